{#- How every history (customer_rfm_history, the segment families, the change feed) replaces the snapshots an
    incremental run recomputes, and where the merge key guard (macros/merge_guard.sql) checks the new batch
    first. In one place so that every history switches at once.

    The guard hooks in through dbt's supported extension points only; the project defines no macro with the
    name of one of dbt's or an adapter's (tests/pytest/test_merge_guard.py checks this):
    - DuckDB and PostgreSQL: the custom incremental strategy `guarded_delete_insert` (dbt looks up
      `get_incremental_<strategy>_sql`): the guard, then dbt's own delete+insert statement for the adapter.
    - Spark: dbt-spark accepts only its fixed list of strategies and never looks up a custom one, so the
      histories keep its insert_overwrite of the snapshot_date partitions, and the guard runs as a model
      pre-hook on the model's own query before dbt-spark writes anything. -#}


{% macro family_history_incremental_config() -%}
    {{ return(adapter.dispatch('family_history_incremental_config', 'customer_segmentation')()) }}
{%- endmacro %}

{#- Whole snapshots replaced: delete the recomputed snapshot_dates, insert the batch. -#}
{% macro default__family_history_incremental_config() -%}
    {{ return({'incremental_strategy': 'guarded_delete_insert', 'unique_key': 'snapshot_date'}) }}
{%- endmacro %}

{#- Spark tables have no delete: the recomputed snapshot_date partitions are overwritten (dynamic partition
    overwrite, set by dbt-spark for this strategy and in the profile). The guard's pre-hook is registered
    through a config() call of its own: a model that sets its own pre_hook in the same config() call as this
    dict (segment_membership_changes) would otherwise pass the key twice. Hooks from several config() calls
    add up; this one is registered first, so it runs before the model's own hooks. -#}
{% macro spark__family_history_incremental_config() -%}
    {%- do config({'pre-hook': ["{{ customer_segmentation.guard_partition_overwrite() }}"]}) -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': ['snapshot_date'],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}


{#- The custom strategy `guarded_delete_insert`: checks the new batch, then returns the adapter's standard
    delete+insert statement (dbt's own macro, reached through dispatch), unchanged. A bad batch raises before
    any statement runs, inside the model's transaction: the table is left as it was. -#}
{% macro get_incremental_guarded_delete_insert_sql(arg_dict) -%}
    {%- do customer_segmentation.assert_merge_keys_clean(
        arg_dict['temp_relation'],
        customer_segmentation.merge_key_columns(arg_dict['unique_key']),
        this
    ) -%}
    {{ return(adapter.dispatch('get_incremental_delete_insert_sql', 'dbt')(arg_dict)) }}
{%- endmacro %}


{#- The Spark pre-hook: on an incremental run, the model's compiled query as a temporary view (what dbt-spark
    itself writes: its batch is a temporary view of the same query), checked by the guard. Renders no SQL, so
    the hook runs no statement of its own; outside incremental runs (first build, --full-refresh) it does
    nothing, as the strategy is not used there either. -#}
{% macro guard_partition_overwrite() -%}
    {%- if execute and is_incremental() -%}
        {%- set batch = this.incorporate(path={'identifier': this.identifier ~ '__merge_guard'}).include(database=false, schema=false) -%}
        {%- call statement('merge_guard_batch') -%}
            create or replace temporary view {{ batch }} as
            {{ compiled_code }}
        {%- endcall -%}
        {%- do customer_segmentation.assert_merge_keys_clean(batch, customer_segmentation.merge_key_columns(none), this) -%}
        {%- call statement('merge_guard_cleanup') -%}
            drop view if exists {{ batch }}
        {%- endcall -%}
    {%- endif -%}
{%- endmacro %}
