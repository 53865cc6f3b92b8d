{#- How every history (customer_rfm_history, the segment families, the change feed) replaces the snapshots an
    incremental run recomputes, and where the merge key guard (below) checks the new batch
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


{#- How int_customer_daily_activity replaces the dates an incremental run rebuilds: whole dates deleted and
    inserted, guarded like the histories, on a grain of customer_id x activity_date. -#}
{% macro daily_activity_incremental_config() -%}
    {{ return(adapter.dispatch('daily_activity_incremental_config', 'customer_segmentation')()) }}
{%- endmacro %}

{#- A table built before the fingerprint column existed gains it empty (append_new_columns), and an empty
    fingerprint differs from every fresh one: its first incremental run rebuilds every date. -#}
{% macro default__daily_activity_incremental_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'guarded_delete_insert',
        'unique_key': 'activity_date',
        'on_schema_change': 'append_new_columns',
        'meta': {'merge_grain': ['customer_id', 'activity_date']},
    }) }}
{%- endmacro %}

{#- Spark rebuilds the table: an insert_overwrite needs a partition per replaced key, and one partition per
    day of history is thousands of small files for a table the engine reads whole on a full build. -#}
{% macro spark__daily_activity_incremental_config() -%}
    {{ return({'materialized': 'table'}) }}
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

{#- delete+insert matches rows with `=`: a null key part never matches, so its old rows would stay beside the
    new ones, and a duplicated key would insert twice. Before any incremental merge the new batch is checked,
    and a bad batch stops the model with a message instead of corrupting the history (where the check runs
    on each engine: macros/incremental_strategy.sql).

    Every incremental model of this project is one row per customer_id x snapshot_date; a model with another
    grain names its key columns in `meta: {merge_grain: [...]}` (a missing column stops the model too). -#}

{#- The key columns the guard checks for the model being built: its grain (meta.merge_grain, customer_id and
    snapshot_date by default) and the strategy's unique_key, once each. -#}
{% macro merge_key_columns(unique_key=none) -%}
    {%- set grain = config.get('meta', {}).get('merge_grain', ['customer_id', 'snapshot_date']) -%}
    {%- set keys = grain + ([unique_key] if unique_key is string else (unique_key or [])) -%}
    {{ return(keys | unique | list) }}
{%- endmacro %}


{#- Raises when `relation` has a null in any of `key_columns` or more than one row per key; `target` names
    the model in the message. -#}
{% macro assert_merge_keys_clean(relation, key_columns, target=none) -%}
    {%- set target_name = (target or relation) | string -%}
    {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- for column in key_columns if column | lower not in present -%}
        {{ exceptions.raise_compiler_error(
            "Merge key guard: " ~ target_name ~ " has no column " ~ column ~ " (its merge key is "
            ~ key_columns | join(', ') ~ "; set meta.merge_grain for another grain)"
        ) }}
    {%- endfor -%}
    {%- set null_checks = [] -%}
    {%- for column in key_columns -%}
        {%- do null_checks.append("sum(case when " ~ column ~ " is null then 1 else 0 end) as null_" ~ loop.index) -%}
    {%- endfor -%}
    {%- set check_sql -%}
        /* merge key guard */
        with

        batch as (

            select {{ key_columns | join(', ') }} from {{ relation }}

        ),

        duplicated_keys as (

            select {{ key_columns | join(', ') }}
            from batch
            group by {{ key_columns | join(', ') }}
            having count(*) > 1

        ),

        null_counts as (

            select
                count(*) as batch_rows,
                {{ null_checks | join(',\n                ') }}
            from batch

        )

        select
            null_counts.*,
            (select count(*) from duplicated_keys) as duplicated_keys
        from null_counts
    {%- endset -%}
    {%- set counts = run_query(check_sql).rows[0] -%}
    {%- set problems = [] -%}
    {%- for column in key_columns -%}
        {#- sum() over an empty batch is null: nothing to merge is not a problem. -#}
        {%- if (counts[loop.index] or 0) > 0 -%}
            {%- do problems.append(counts[loop.index] ~ " rows with a null " ~ column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if (counts[key_columns | length + 1] or 0) > 0 -%}
        {%- do problems.append(counts[key_columns | length + 1] ~ " keys (" ~ key_columns | join(', ') ~ ") on more than one row") -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            "Merge key guard: the new batch for " ~ target_name ~ " (" ~ counts[0] ~ " rows) has "
            ~ problems | join(' and ') ~ "; nothing was merged, the table is unchanged."
        ) }}
    {%- endif -%}
    {{ log("merge key guard: " ~ target_name ~ ": " ~ counts[0] ~ " new rows, keys clean", info=false) }}
{%- endmacro %}


{#- For `dbt run-operation`: checks an existing relation by name, e.g. after loading a batch by hand. -#}
{% macro check_merge_keys(identifier, key_columns=['customer_id', 'snapshot_date'], schema=none) -%}
    {%- set relation = adapter.get_relation(database=target.database, schema=schema or target.schema, identifier=identifier) -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error("Merge key guard: no relation " ~ identifier ~ " in schema " ~ (schema or target.schema)) }}
    {%- endif -%}
    {%- do customer_segmentation.assert_merge_keys_clean(relation, key_columns) -%}
    {{ log("merge key guard: " ~ relation ~ " keys clean", info=true) }}
{%- endmacro %}
