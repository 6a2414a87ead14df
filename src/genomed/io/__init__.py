"""Readers and writers of outside formats (VCF/BCF, MAF, cBioPortal, Phenopackets, BED, chains)."""
