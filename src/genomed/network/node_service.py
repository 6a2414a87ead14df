"""A node answering one request: authenticate, authorise, query, apply privacy, audit.

Every query request goes through :meth:`NodeService.answer`, which

1. identifies the caller (``Authorization: Bearer gmd_...``; 401 without a valid token
   unless the node allows anonymous public access),
2. spends one unit of the token's rate limit and daily budget (429 when spent),
3. runs the handler, which resolves the *scope* (the datasets this query reads: those
   asked for, else every dataset the token may see) and the granularity (403 when the
   request asks for more than the token's level allows on any dataset in scope),
4. releases counts through the minimum cell count, rounding and the differencing guard
   (:mod:`genomed.network.count_release`, :mod:`genomed.network.differencing_guard`),
5. writes one audit entry (also for refusals and errors) before the answer leaves.

Handlers of the Beacon entry types live here; the genomed extensions (allele counts,
2x2 tables, survival sums) in :mod:`genomed.network.aggregates`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import GenomedError
from genomed.network import beacon_records as records
from genomed.network.access_levels import AccessError, AccessLevel, Granularity, max_granularity
from genomed.network.audit_log import AuditLog, queries_today, scrub
from genomed.network.beacon_filters import (
    IDENTIFIER_ATTRIBUTES,
    attributes_used,
    combined_definition,
    sample_tumor_types,
)
from genomed.network.beacon_request import BeaconQuery, BeaconRequestError, parse_get, parse_post
from genomed.network.beacon_responses import (
    boolean_response,
    collections_response,
    count_response,
    error_response,
    response_meta,
    result_set,
    resultsets_response,
)
from genomed.network.count_release import DIFFERENCING, CountRelease, release_count, suppressed
from genomed.network.differencing_guard import DifferencingGuard
from genomed.network.node_config import NodeConfig, load_node_config
from genomed.network.node_data import (
    NodeData,
    carriers,
    individual_details,
    matched_variants,
    member_codes,
    popfreq_datasets,
    popfreq_rows,
    popfreq_version,
    scoped_patients,
    scoped_samples,
    variant_annotations,
)
from genomed.network.query_quota import QueryQuota
from genomed.network.tokens import TokenRecord, TokenStore
from genomed.network.variant_query import parse_variant_id, variant_selection
from genomed.store.workspace import Workspace

log = logging.getLogger("genomed.network")

ENTITY = {
    "individuals": "individual",
    "biosamples": "biosample",
    "g_variants": "genomicVariation",
    "datasets": "dataset",
    "cohorts": "cohort",
}


@dataclass
class Caller:
    """Who is asking: a verified token, or anonymous (public, when the node allows it)."""

    token_id: str
    record: TokenRecord | None
    client: str = ""

    def level_on(self, dataset_id: str) -> AccessLevel | None:
        if self.record is None:
            return AccessLevel.PUBLIC
        return self.record.level_on(dataset_id)

    @property
    def level_label(self) -> str:
        return self.record.level.label if self.record else "public"


@dataclass
class Context:
    """A query's caller, scope (datasets read), level and granularity, and connection."""

    caller: Caller
    scope: list[str]
    level: AccessLevel
    granularity: Granularity
    con: duckdb.DuckDBPyConnection
    query: BeaconQuery


@dataclass
class Answer:
    """A handler's body and what the audit log records about it."""

    body: dict
    status: int = 200
    returned: dict = field(default_factory=dict)
    granularity: str | None = None


class NodeService:
    """The node behind ``genomed serve`` (one per process)."""

    def __init__(
        self,
        workspace: str | Path,
        config: NodeConfig | None = None,
        config_path: str | Path | None = None,
    ) -> None:
        ws = Workspace.open(workspace)
        self.config = config or load_node_config(workspace, ws.institution_id, config_path)
        self.policy = self.config.privacy
        self.data = NodeData(workspace, self.config)
        self.tokens = TokenStore(self.config.tokens_path)
        self.audit = AuditLog(self.config.audit_path, fsync=self.policy.audit_fsync)
        self.audit_key = self.config.audit_key()
        self.quota = QueryQuota(
            self.policy.rate_limit_per_minute,
            self.policy.rate_limit_burst,
            self.policy.query_budget_per_day,
        )
        for token_id, used in queries_today(self.config.audit_path).items():
            self.quota.seed(token_id, self.quota.today(), used)
        self.guard = DifferencingGuard(
            self.policy.minimum_cell_count, self.policy.differencing_history
        )
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self.data.snapshot()  # fail at start-up, not at the first query, on a broken workspace

    def close(self) -> None:
        self.data.close()
        self.audit.close()

    # -- callers -----------------------------------------------------------------------------
    def identify(self, authorization: str | None, client: str = "") -> Caller:
        if not authorization:
            if self.policy.allow_anonymous:
                return Caller("anonymous", None, client)
            raise AccessError(
                "this node needs a token: send 'Authorization: Bearer gmd_<id>_<secret>' "
                "(ask the node's operator; they create one with `genomed tokens create`)",
                401,
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AccessError("malformed Authorization header: expected 'Bearer <token>'", 401)
        record = self.tokens.verify(token)
        return Caller(record.token_id, record, client)

    # -- the audited wrapper -------------------------------------------------------------------
    def answer(
        self,
        *,
        authorization: str | None,
        client: str,
        method: str,
        endpoint: str,
        entry: str,
        handler: Callable[[Caller], Answer],
        query_view: Callable[[], dict] | None = None,
    ) -> tuple[int, dict]:
        """Run ``handler`` for an identified caller; every outcome is audited."""
        started = time.perf_counter()
        caller: Caller | None = None
        answer: Answer
        reason = None
        try:
            caller = self.identify(authorization, client)
            self.quota.take(caller.token_id)
            if self.config.delay_seconds:
                time.sleep(self.config.delay_seconds)
            answer = handler(caller)
        except AccessError as error:
            reason = str(error)
            answer = Answer(
                error_response(self.config.beacon_id, error.status, reason), error.status
            )
        except (BeaconRequestError, GenomedError) as error:
            reason = str(error)
            answer = Answer(error_response(self.config.beacon_id, 400, reason), 400)
        except Exception:  # a bug: answer 500 without details, keep them in the server log
            log.exception("query failed: %s %s", method, endpoint)
            reason = "internal error"
            answer = Answer(
                error_response(
                    self.config.beacon_id, 500, "internal error; the node's log has details"
                ),
                500,
            )
        view = None
        if query_view is not None:
            try:
                view = scrub(query_view(), self.audit_key)
            except Exception:  # noqa: BLE001 - an unparsable query is logged as such
                view = {"unparsable": True}
        entry_log = {
            "token": caller.token_id if caller else "unidentified",
            "level": caller.level_label if caller else None,
            "client": client,
            "method": method,
            "endpoint": endpoint,
            "entry_type": entry,
            "query": view,
            "returned_granularity": answer.granularity,
            "status": answer.status,
            "returned": answer.returned,
            "reason": reason,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        self.audit.append(entry_log)
        return answer.status, answer.body

    # -- scope and granularity -----------------------------------------------------------------
    def context(
        self,
        caller: Caller,
        query: BeaconQuery,
        only_dataset: str | None = None,
        needs: Granularity | None = None,
    ) -> Context:
        datasets = {d.id for d in self.data.datasets}
        visible = [d.id for d in self.data.datasets if caller.level_on(d.id) is not None]
        if query.dataset_ids:
            unknown = [d for d in query.dataset_ids if d not in datasets]
            if unknown:
                raise BeaconRequestError(
                    f"unknown dataset(s) {', '.join(unknown)} (see /beacon/v2/datasets)"
                )
            hidden = [d for d in query.dataset_ids if d not in visible]
            if hidden:
                raise AccessError(
                    f"this token has no access to dataset(s) {', '.join(hidden)}", 403
                )
            scope = list(dict.fromkeys(query.dataset_ids))
        else:
            scope = visible
        if only_dataset is not None:
            if only_dataset not in datasets:
                raise BeaconRequestError(
                    f"unknown dataset {only_dataset!r} (see /beacon/v2/datasets)"
                )
            if only_dataset not in visible:
                raise AccessError(f"this token has no access to dataset {only_dataset}", 403)
            scope = [d for d in scope if d == only_dataset] or [only_dataset]
        if not scope:
            raise AccessError("this token may see no dataset of this node", 403)
        level = min(caller.level_on(d) for d in scope)
        allowed = max_granularity(level, self.policy.public_counts)
        wanted = needs or query.granularity or allowed
        if wanted > allowed:
            short = [
                d
                for d in scope
                if max_granularity(caller.level_on(d), self.policy.public_counts) < wanted
            ]
            need = "controlled" if wanted is Granularity.RECORD else "registered"
            raise AccessError(
                f"{wanted.label} granularity needs {need} access; this token has "
                f"{', '.join(f'{caller.level_on(d).label} on {d}' for d in short)} "
                f"(it may ask for {allowed.label}; or restrict datasetIds to datasets it may see in more detail)",
                403,
            )
        if query.granularity and query.granularity < wanted:
            wanted = query.granularity
        return Context(caller, scope, level, wanted, self.data.connection(), query)

    def release(self, ctx: Context, n: int, members: np.ndarray | None) -> CountRelease:
        """A count as the policy releases it at ``ctx.level`` (threshold, rounding, guard)."""
        released = release_count(n, ctx.level, self.policy)
        if (
            released.value
            and members is not None
            and self.policy.differencing_guard
            and self.policy.applies_to(ctx.level)
            and not self.guard.admit(ctx.caller.token_id, [members])
        ):
            return suppressed(DIFFERENCING, self.policy)
        return released

    def release_together(
        self, ctx: Context, counts: list[int], sets: list[np.ndarray]
    ) -> list[CountRelease]:
        """Several counts of one answer: if any is withheld, all are (no margin recovers it)."""
        released = [release_count(n, ctx.level, self.policy) for n in counts]
        if not self.policy.applies_to(ctx.level):
            return released
        if any(r.suppressed for r in released):
            reason = next(r.reason for r in released if r.suppressed)
            return [suppressed(reason, self.policy) for _ in counts]
        nonempty = [s for n, s in zip(counts, sets, strict=True) if n > 0]
        if (
            self.policy.differencing_guard
            and nonempty
            and not self.guard.admit(ctx.caller.token_id, nonempty)
        ):
            return [suppressed(DIFFERENCING, self.policy) for _ in counts]
        return released

    # -- shared pieces -----------------------------------------------------------------------
    def _selected_patients(self, ctx: Context) -> list[str] | None:
        definition = combined_definition(ctx.query.filters, ctx.query.cohort)
        if definition is None:
            return None
        if (
            ctx.level < AccessLevel.CONTROLLED
            and attributes_used(definition) & IDENTIFIER_ATTRIBUTES
        ):
            raise AccessError(
                "filters on patient or sample identifiers need controlled access "
                "(aggregate answers cannot single out a person)",
                403,
            )
        from genomed.cohort.evaluate import select_patients

        return select_patients(ctx.con, definition).patient_ids

    def _count_answer(
        self, ctx: Context, entity: str, n: int, members: np.ndarray | None
    ) -> Answer:
        meta_for = lambda g: response_meta(self.config.beacon_id, entity, g, ctx.query)  # noqa: E731
        if ctx.granularity is Granularity.BOOLEAN:
            return Answer(
                boolean_response(meta_for(Granularity.BOOLEAN), n > 0),
                granularity="boolean",
                returned={"exists": n > 0},
            )
        released = self.release(ctx, n, members)
        if released.suppressed:
            info = {
                "genomed": {
                    "countWithheld": released.reason,
                    "minimumCellCount": released.minimum_cell_count,
                }
            }
            return Answer(
                boolean_response(meta_for(Granularity.BOOLEAN), n > 0, info),
                granularity="boolean",
                returned={"exists": n > 0, "numTotalResults": released.to_json()},
            )
        info = {"genomed": {"roundedTo": released.rounded_to}} if released.rounded_to > 1 else None
        return Answer(
            count_response(meta_for(Granularity.COUNT), released.value, info),
            granularity="count",
            returned={"numTotalResults": released.value},
        )

    def _page(self, ctx: Context, total: int) -> tuple[int, int]:
        limit = ctx.query.limit or self.config.max_page_size
        limit = min(limit, self.config.max_page_size)
        return ctx.query.skip * limit, limit

    def _record_answer(
        self, ctx: Context, entity: str, table: pa.Table, build: Callable[[list[dict]], list[dict]]
    ) -> Answer:
        """Records of ``table`` (sorted, with ``dataset_id``), one result set per dataset."""
        total = table.num_rows
        offset, limit = self._page(ctx, total)
        page = table.slice(offset, limit).to_pylist()
        built = build(page)
        per_dataset = {d: 0 for d in ctx.scope}
        for d in table.column("dataset_id").to_pylist():
            per_dataset[d] = per_dataset.get(d, 0) + 1
        results: dict[str, list] = {d: [] for d in ctx.scope}
        for row, record in zip(page, built, strict=True):
            results[row["dataset_id"]].append(record)
        include = ctx.query.include
        sets = []
        for d in ctx.scope:
            hit = per_dataset.get(d, 0) > 0
            if include == "NONE" or (include == "HIT" and not hit) or (include == "MISS" and hit):
                continue
            sets.append(result_set(d, per_dataset.get(d, 0), results[d]))
        meta = response_meta(self.config.beacon_id, entity, Granularity.RECORD, ctx.query)
        return Answer(
            resultsets_response(meta, total, sets),
            granularity="record",
            returned={"numTotalResults": total, "records": len(page)},
        )

    # -- individuals -------------------------------------------------------------------------
    def individuals(self, ctx: Context, restrict: list[str] | None = None) -> Answer:
        selected = self._selected_patients(ctx)
        if restrict is not None:
            selected = restrict if selected is None else sorted(set(selected) & set(restrict))
        if selected is None:
            table = self.data.scope_patients(ctx.con, ctx.scope)
        else:
            table = scoped_patients(ctx.con, ctx.scope, selected)
        if ctx.granularity < Granularity.RECORD:
            return self._count_answer(ctx, "individual", table.num_rows, member_codes(table))

        def build(page: list[dict]) -> list[dict]:
            details = individual_details(ctx.con, [r["patient_id"] for r in page])
            return [
                records.individual(
                    details[r["patient_id"]]["patient"],
                    details[r["patient_id"]]["phenotypes"],
                    details[r["patient_id"]]["diagnoses"],
                    details[r["patient_id"]]["outcomes"],
                )
                for r in page
            ]

        return self._record_answer(ctx, "individual", table, build)

    # -- biosamples --------------------------------------------------------------------------
    def biosamples(
        self,
        ctx: Context,
        restrict_patients: list[str] | None = None,
        restrict_samples: list[str] | None = None,
    ) -> Answer:
        selected = self._selected_patients(ctx)
        if restrict_patients is not None:
            selected = (
                restrict_patients
                if selected is None
                else sorted(set(selected) & set(restrict_patients))
            )
        scoped_patients(ctx.con, ctx.scope, selected)
        tumour = sample_tumor_types(ctx.query.filters)
        table = scoped_samples(ctx.con, tumour or None)
        if tumour == []:  # OncoTree filters no code satisfies at once: no sample matches
            table = table.slice(0, 0)
        if restrict_samples is not None:
            mask = pc.is_in(table.column("sample_id"), pa.array(restrict_samples, pa.string()))
            table = table.filter(mask)
        if ctx.granularity < Granularity.RECORD:
            return self._count_answer(ctx, "biosample", table.num_rows, member_codes(table))
        return self._record_answer(
            ctx, "biosample", table, lambda page: [records.biosample(r) for r in page]
        )

    # -- genomic variants --------------------------------------------------------------------
    def _frequency_level(self, ctx: Context) -> AccessLevel | None:
        datasets = popfreq_datasets(ctx.con)
        if not datasets:
            return None
        levels = [ctx.caller.level_on(d) for d in datasets]
        if any(lv is None for lv in levels):
            return None
        level = min(levels)
        return (
            level
            if max_granularity(level, self.policy.public_counts) >= Granularity.COUNT
            else None
        )

    def frequency_counts(self, ctx: Context, rows: list[dict], level: AccessLevel) -> list[dict]:
        """popfreq rows with each count released at ``level`` (threshold, rounding)."""
        out = []
        for row in rows:
            item = {"grp": row["grp"]}
            for key in ("ac", "an", "nhomalt", "nhemi"):
                value = row.get(key)
                item[key] = (
                    None if value is None else release_count(value, level, self.policy).to_json()
                )
            out.append(item)
        return out

    def g_variants(
        self,
        ctx: Context,
        variant: str | None = None,
        per_sample: str | None = None,
        per_sample_params: list | None = None,
    ) -> Answer:
        build = self.data.workspace.build
        if variant is not None:
            chrom, pos, ref, alt = parse_variant_id(variant)
            parameters = {
                "referenceName": chrom,
                "start": [pos - 1],
                "referenceBases": ref,
                "alternateBases": alt,
            }
        else:
            parameters = ctx.query.parameters
        selection = variant_selection(parameters, build)
        selected = self._selected_patients(ctx)
        if selected is None:
            self.data.scope_patients(ctx.con, ctx.scope)
        else:
            scoped_patients(ctx.con, ctx.scope, selected)
        table = matched_variants(
            ctx.con,
            selection.where,
            selection.params,
            per_sample,
            per_sample_params,
            selection.chrom,
            selection.positions,
        )
        total = table.num_rows
        if ctx.granularity < Granularity.RECORD:
            return self._count_answer(ctx, "genomicVariation", total, None)
        offset, limit = self._page(ctx, total)
        page = table.slice(offset, limit).to_pylist()
        keys = [r["variant_key"] for r in page]
        notes = variant_annotations(ctx.con, keys)
        cases: dict[int, list[dict]] = {}
        if keys:
            key_sql = "SELECT unnest(?::BIGINT[])"
            calls = carriers(ctx.con, key_sql, [keys]).to_pylist()
            for call in calls:
                cases.setdefault(call["variant_key"], []).append(call)
        freq_level = self._frequency_level(ctx)
        freqs = popfreq_rows(ctx.con, keys) if freq_level is not None else {}
        version = popfreq_version(ctx.con) if freqs else ""
        results = []
        datasets_of: dict[str, int] = {d: 0 for d in ctx.scope}
        for row in page:
            key = row["variant_key"]
            frequency = None
            if key in freqs:
                released = self.frequency_counts(ctx, freqs[key], freq_level)
                frequency = records.frequency_record(
                    released,
                    f"genomed node {self.config.beacon_id}",
                    "https://github.com/genomed",
                    version,
                )
            case_rows = sorted(cases.get(key, []), key=lambda c: (c["patient_id"], c["sample_id"]))
            for c in case_rows:
                datasets_of[c["dataset_id"]] = datasets_of.get(c["dataset_id"], 0) + 1
            results.append(
                records.genomic_variation(
                    row,
                    build,
                    genes=notes.get(key, {}).get("genes"),
                    protein_changes=notes.get(key, {}).get("changes"),
                    case_level=[records.case_level_entry(c) for c in case_rows],
                    frequencies=frequency,
                )
            )
        # variants are not per dataset: one result set for the scope, named by its datasets
        set_id = ctx.scope[0] if len(ctx.scope) == 1 else "+".join(ctx.scope)
        sets = [] if ctx.query.include == "NONE" else [result_set(set_id, total, results)]
        meta = response_meta(
            self.config.beacon_id, "genomicVariation", Granularity.RECORD, ctx.query
        )
        return Answer(
            resultsets_response(meta, total, sets),
            granularity="record",
            returned={"numTotalResults": total, "records": len(results)},
        )

    # -- collections -------------------------------------------------------------------------
    def datasets(self, caller: Caller, query: BeaconQuery, only: str | None = None) -> Answer:
        ctx = self.context(caller, query, only_dataset=only, needs=Granularity.BOOLEAN)
        chosen = [d for d in self.data.datasets if d.id in ctx.scope]
        collections = []
        for d in chosen:
            level = caller.level_on(d.id)
            count = None
            if max_granularity(level, self.policy.public_counts) >= Granularity.COUNT:
                n = ctx.con.execute(
                    "SELECT count(*) FROM patients p JOIN _node_batches b USING (batch_id) WHERE b.dataset_id = ?",
                    [d.id],
                ).fetchall()[0][0]
                count = release_count(n, level, self.policy).to_json()
            collections.append(records.dataset(d, count))
        meta = response_meta(self.config.beacon_id, "dataset", Granularity.BOOLEAN, query)
        return Answer(
            collections_response(meta, collections),
            granularity="boolean",
            returned={"collections": len(collections)},
        )

    def saved_cohort_members(self, con: duckdb.DuckDBPyConnection, name: str | None) -> list[dict]:
        sql = "SELECT name, definition, description, patient_ids FROM cohorts"
        rows = (
            con.sql(
                sql + (" WHERE name = ?" if name else "") + " ORDER BY name",
                params=[name] if name else None,
            )
            .to_arrow_table()
            .to_pylist()
        )
        return rows

    def cohorts(self, caller: Caller, query: BeaconQuery, only: str | None = None) -> Answer:
        ctx = self.context(caller, query, needs=Granularity.BOOLEAN)
        saved = self.saved_cohort_members(ctx.con, only)
        if only and not saved:
            raise BeaconRequestError(f"no cohort named {only!r} (see /beacon/v2/cohorts)")
        collections = []
        allowed = max_granularity(ctx.level, self.policy.public_counts)
        for item in saved:
            size = None
            if allowed >= Granularity.COUNT:
                table = scoped_patients(ctx.con, ctx.scope, list(item["patient_ids"] or []))
                released = self.release(ctx, table.num_rows, member_codes(table))
                size = released.to_json()
            collections.append(records.cohort(item, size))
        meta = response_meta(self.config.beacon_id, "cohort", Granularity.BOOLEAN, query)
        return Answer(
            collections_response(meta, collections),
            granularity="boolean",
            returned={
                "collections": len(collections),
                "cohortSizes": [c.get("cohortSize", c.get("info")) for c in collections],
            },
        )

    # -- routing of Beacon entry endpoints ------------------------------------------------------
    def beacon(
        self,
        caller: Caller,
        entry: str,
        query: BeaconQuery,
        item_id: str | None = None,
        related: str | None = None,
    ) -> Answer:
        """Dispatch ``/entry``, ``/entry/{id}`` and ``/entry/{id}/related``."""
        if entry == "datasets" and related is None:
            return self.datasets(caller, query, item_id)
        if entry == "cohorts" and related is None:
            return self.cohorts(caller, query, item_id)
        target = related or entry
        needs_record = entry in ("individuals", "biosamples") and item_id is not None
        ctx = self.context(
            caller,
            query,
            only_dataset=item_id if entry == "datasets" else None,
        )
        if needs_record and ctx.level < AccessLevel.CONTROLLED:
            raise AccessError(
                f"/{entry}/{{id}} returns one person's data: it needs controlled access "
                f"(this token has {ctx.level.label})",
                403,
            )
        if entry == "cohorts":
            saved = self.saved_cohort_members(ctx.con, item_id)
            if not saved:
                raise BeaconRequestError(f"no cohort named {item_id!r} (see /beacon/v2/cohorts)")
            return self.individuals(ctx, restrict=list(saved[0]["patient_ids"] or []))
        if entry == "datasets":
            return self.individuals(ctx) if target == "individuals" else self.g_variants(ctx)
        if entry == "individuals" and item_id is not None:
            if target == "individuals":
                return self.individuals(ctx, restrict=[item_id])
            if target == "biosamples":
                return self.biosamples(ctx, restrict_patients=[item_id])
            return self.g_variants(ctx, per_sample="s.patient_id = ?", per_sample_params=[item_id])
        if entry == "biosamples" and item_id is not None:
            if target == "biosamples":
                return self.biosamples(ctx, restrict_samples=[item_id])
            return self.g_variants(ctx, per_sample="c.sample_id = ?", per_sample_params=[item_id])
        if entry == "g_variants" and item_id is not None:
            if target == "g_variants":
                return self.g_variants(ctx, variant=item_id)
            chrom, pos, ref, alt = parse_variant_id(item_id)
            selection = variant_selection(
                {
                    "referenceName": chrom,
                    "start": [pos - 1],
                    "referenceBases": ref,
                    "alternateBases": alt,
                },
                self.data.workspace.build,
            )
            scoped_patients(ctx.con, ctx.scope, None)
            calls = carriers(ctx.con, selection.sql(), selection.params)
            if target == "individuals":
                return self.individuals(
                    ctx, restrict=sorted(set(calls.column("patient_id").to_pylist()))
                )
            return self.biosamples(
                ctx, restrict_samples=sorted(set(calls.column("sample_id").to_pylist()))
            )
        if entry == "individuals":
            return self.individuals(ctx)
        if entry == "biosamples":
            return self.biosamples(ctx)
        return self.g_variants(ctx)

    def beacon_request(
        self,
        *,
        authorization: str | None,
        client: str,
        method: str,
        endpoint: str,
        entry: str,
        params: dict | None = None,
        body=None,
        item_id: str | None = None,
        related: str | None = None,
    ) -> tuple[int, dict]:
        """Parse (GET ``params`` or POST ``body``) and answer one Beacon entry request."""
        parsed: dict = {}

        def view() -> dict:
            out = (
                parsed["query"].audit_view()
                if "query" in parsed
                else {"raw": params if params is not None else body}
            )
            if item_id is not None:  # ids of people and samples are pseudonymised in the log
                key = {"individuals": "individual_id", "biosamples": "biosample_id"}.get(
                    entry, "id"
                )
                out[key] = item_id
            return out

        def handler(caller: Caller) -> Answer:
            query = parse_get(params or {}) if method == "GET" else parse_post(body)
            parsed["query"] = query
            return self.beacon(caller, entry, query, item_id, related)

        return self.answer(
            authorization=authorization,
            client=client,
            method=method,
            endpoint=endpoint,
            entry=ENTITY.get(related or entry, entry),
            handler=handler,
            query_view=view,
        )

    # -- informational ------------------------------------------------------------------------
    def filtering_terms(self) -> dict:
        """Terms present for at least k patients (rarer terms are not listed: listing them
        would say that a few such patients exist), and the alphanumeric fields."""
        from genomed.network.beacon_filters import ontology_terms
        from genomed.network.hpo_terms import hpo_version, term_label
        from genomed.network.oncotree_terms import oncotree_version
        from genomed.network.oncotree_terms import term_label as oncotree_label

        con = self.data.connection()
        k = self.policy.minimum_cell_count
        terms: list[dict] = []
        hpo = con.execute(
            "SELECT hpo_id, any_value(label) FROM phenotypes WHERE excluded IS NOT TRUE "
            "GROUP BY hpo_id HAVING count(DISTINCT patient_id) >= ? ORDER BY hpo_id",
            [k],
        ).fetchall()
        for term, label in hpo:
            terms.append(
                {
                    "type": "ontologyTerm",
                    "id": term,
                    "label": label or term_label(term) or term,
                    "scopes": ["individuals", "biosamples", "genomicVariations"],
                }
            )
        sexes = dict(
            con.execute(
                "SELECT sex, count(*) FROM patients WHERE sex IS NOT NULL GROUP BY 1 HAVING count(*) >= ?",
                [k],
            ).fetchall()
        )
        for term, meta in ontology_terms()["sex"].items():
            if meta["value"] in sexes:
                terms.append(
                    {
                        "type": "ontologyTerm",
                        "id": term,
                        "label": meta["label"],
                        "scopes": ["individuals", "biosamples", "genomicVariations"],
                    }
                )
        tumours = con.execute(
            "SELECT tumor_type FROM samples WHERE tumor_type IS NOT NULL GROUP BY 1 "
            "HAVING count(DISTINCT patient_id) >= ? ORDER BY 1",
            [k],
        ).fetchall()
        for (code,) in tumours:
            terms.append(
                {
                    "type": "ontologyTerm",
                    "id": f"oncotree:{code}",
                    "label": oncotree_label(code) or code,
                    "scopes": ["individuals", "biosamples", "genomicVariations"],
                }
            )
        diseases = con.execute(
            "SELECT disease_id, any_value(disease_label) FROM diagnoses WHERE disease_id IS NOT NULL "
            "GROUP BY 1 HAVING count(DISTINCT patient_id) >= ? ORDER BY 1",
            [k],
        ).fetchall()
        for term, label in diseases:
            terms.append(
                {
                    "type": "ontologyTerm",
                    "id": term,
                    "label": label or term,
                    "scopes": ["individuals", "biosamples", "genomicVariations"],
                }
            )
        for name in (
            "sex",
            "age",
            "population",
            "super_population",
            "tumor_type",
            "os_months",
            "os_event",
        ):
            terms.append(
                {
                    "type": "alphanumeric",
                    "id": name,
                    "scopes": ["individuals", "biosamples", "genomicVariations"],
                }
            )
        attributes = con.sql(
            "SELECT DISTINCT attribute FROM clinical_attributes ORDER BY 1"
        ).fetchall()
        for (name,) in attributes:
            terms.append({"type": "alphanumeric", "id": name, "scopes": ["individuals"]})
        return {
            "filteringTerms": terms,
            "resources": [
                {
                    "id": "hp",
                    "name": "Human Phenotype Ontology",
                    "nameSpacePrefix": "HP",
                    "url": "https://hpo.jax.org",
                    "version": hpo_version(),
                    "iriPrefix": "http://purl.obolibrary.org/obo/HP_",
                },
                {
                    "id": "ncit",
                    "name": "NCI Thesaurus",
                    "nameSpacePrefix": "NCIT",
                    "url": "https://ncithesaurus.nci.nih.gov",
                    "iriPrefix": "http://purl.obolibrary.org/obo/NCIT_",
                },
                {
                    "id": "oncotree",
                    "name": "OncoTree",
                    "nameSpacePrefix": "oncotree",
                    "url": "https://oncotree.mskcc.org",
                    "version": oncotree_version(),
                },
            ],
        }
