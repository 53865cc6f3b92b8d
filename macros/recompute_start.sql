{#- TEMPORARY SHIM on branch i15-transitions: engineer "thin" owns this file; their version (the earliest
    snapshot whose upstream rows carry a newer `computed_at` than this model's) replaces it at merge. Same
    signatures; this one keeps the fixed lookback the models used before: the newest `rfm_lookback_periods`
    snapshots of the upstream relations up to the newest one already in {{ this }}, and everything after.
    A CTE body with one row, `first_snapshot_date`; a full build starts at 1900-01-01. -#}
{% macro recompute_start_from(upstream_relations) -%}
    {%- if is_incremental() -%}
    select coalesce(min(snapshot_date), cast('1900-01-01' as date)) as first_snapshot_date
    from (
        select
            snapshot_date,
            dense_rank() over (order by snapshot_date desc) as periods_back
        from (
            {%- for relation in upstream_relations %}
            select distinct snapshot_date
            from {{ relation }}
            where snapshot_date <= (select max(snapshot_date) from {{ this }})
            {%- if not loop.last %}

            union
            {%- endif %}
            {%- endfor %}
        ) as upstream_snapshots
    ) as built_periods
    where periods_back <= {{ customer_segmentation.rfm_lookback_periods() }}
    {%- else -%}
    select cast('1900-01-01' as date) as first_snapshot_date
    {%- endif -%}
{%- endmacro %}


{#- The `computed_at` stamp a model writes on its rows: when the dbt invocation started, in UTC, the same in
    every model of one run. -#}
{% macro run_computed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
