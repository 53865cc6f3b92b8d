{#- Where an incremental history starts recomputing: the earliest snapshot whose inputs were rewritten after
    this model last wrote it. Every history and every relation it reads from the window engine stamp their
    rows with `computed_at`, the time of the run that wrote them, and replace whole snapshots; so a snapshot
    is stale when an upstream relation holds a row for it stamped later than this model's rows for it, or
    when this model has no row for it at all. Late, corrected or re-statused orders of any age reach the
    histories this way: the engine rewrites the snapshots they touch, and every history follows from the
    first of them. A fixed lookback would miss anything older than the lookback.
    A CTE body with one row, `first_snapshot_date`: 1900-01-01 on a full build; on an incremental run the
    first stale snapshot, or 9999-12-31 when none is stale (nothing to do). -#}
{% macro recompute_start_from(upstream_relations) -%}
    {%- if is_incremental() -%}
    {%- set stale_snapshots_sql -%}
    select
        upstream_snapshots.snapshot_date,
        case when built_snapshots.snapshot_date is null then 'new' else 'rewritten upstream' end as reason
    from (
        {%- for relation in upstream_relations %}
        select
            snapshot_date,
            max(computed_at) as computed_at
        from {{ relation }}
        group by snapshot_date
        {%- if not loop.last %}

        union all
        {%- endif %}
        {%- endfor %}
    ) as upstream_snapshots
    left join (
        -- The oldest stamp of a snapshot: a snapshot is rewritten whole, but a stamp older than any
        -- upstream row's means some of it predates that row.
        select
            snapshot_date,
            min(computed_at) as computed_at
        from {{ this }}
        group by snapshot_date
    ) as built_snapshots
        on upstream_snapshots.snapshot_date = built_snapshots.snapshot_date
    where built_snapshots.snapshot_date is null
        or built_snapshots.computed_at is null
        or upstream_snapshots.computed_at > built_snapshots.computed_at
    {%- endset -%}
    {%- do customer_segmentation.log_recompute_start(stale_snapshots_sql) -%}
    select coalesce(min(snapshot_date), cast('9999-12-31' as date)) as first_snapshot_date
    from ({{ stale_snapshots_sql }}) as stale_snapshots
    {%- else -%}
    select cast('1900-01-01' as date) as first_snapshot_date
    {%- endif -%}
{%- endmacro %}


{#- One log line per incremental run of a history: from which snapshot it recomputes and why. Only when the
    model itself runs: a unit test's `this` is a fixture, not a table to query. -#}
{% macro log_recompute_start(stale_snapshots_sql) -%}
    {%- if execute and model.resource_type == 'model' -%}
        {%- set summary_sql -%}
            select
                reason,
                cast(min(snapshot_date) as {{ dbt.type_string() }}) as first_snapshot_date,
                count(*) as snapshots
            from ({{ stale_snapshots_sql }}) as stale_snapshots
            group by reason
            order by 2
        {%- endset -%}
        {%- set rows = run_query(summary_sql).rows -%}
        {%- if rows | length == 0 -%}
            {{ log(this.identifier ~ ': nothing to recompute (no upstream snapshot rewritten since its last run)', info=true) }}
        {%- else -%}
            {%- set reasons = [] -%}
            {%- for row in rows -%}
                {%- do reasons.append(row[2] ~ ' snapshot' ~ ('s' if row[2] != 1 else '') ~ ' ' ~ row[0] ~ ', earliest ' ~ row[1]) -%}
            {%- endfor -%}
            {{ log(this.identifier ~ ': recomputes from snapshot ' ~ rows[0][1] ~ ' (' ~ reasons | join('; ') ~ ')', info=true) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- The `computed_at` stamp a model writes on its rows: when the dbt invocation started, in UTC, the same in
    every model of one run, so a history built in the same run as its upstream rows is never stale. -#}
{% macro run_computed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
