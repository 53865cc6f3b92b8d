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
    select coalesce(min(upstream_snapshots.snapshot_date), cast('9999-12-31' as date)) as first_snapshot_date
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
    {%- else -%}
    select cast('1900-01-01' as date) as first_snapshot_date
    {%- endif -%}
{%- endmacro %}


{#- The `computed_at` stamp a model writes on its rows: when the dbt invocation started, in UTC, the same in
    every model of one run, so a history built in the same run as its upstream rows is never stale. -#}
{% macro run_computed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
