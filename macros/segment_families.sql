{#- How the histories (customer_rfm_history and the segment families) rebuild snapshots on an incremental
    run: the config and where the recomputation starts. -#}


{#- How every history (customer_rfm_history and the segment families) replaces the snapshots an incremental
    run recomputes: whole snapshots, delete+insert keyed on snapshot_date here, insert_overwrite of the
    snapshot_date partitions on Spark (macros/engines/spark.sql). In one place so that every history
    switches at once. -#}
{% macro family_history_incremental_config() -%}
    {{ return(adapter.dispatch('family_history_incremental_config', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__family_history_incremental_config() -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': 'snapshot_date'}) }}
{%- endmacro %}


{#- The CTE body that says from which snapshot an incremental run recomputes: the newest `lookback`
    snapshots already built in {{ this }} and everything after them; a full build starts at the beginning.
    Whole snapshots are replaced, so anything ranked within a snapshot stays correct. -#}
{% macro recompute_from_snapshot(lookback) -%}
    {%- if is_incremental() -%}
    select coalesce(min(snapshot_date), cast('1900-01-01' as date)) as first_snapshot_date
    from (
        select
            snapshot_date,
            dense_rank() over (order by snapshot_date desc) as periods_back
        from (select distinct snapshot_date from {{ this }}) as built
    ) as built_periods
    where periods_back <= {{ lookback }}
    {%- else -%}
    select cast('1900-01-01' as date) as first_snapshot_date
    {%- endif -%}
{%- endmacro %}
