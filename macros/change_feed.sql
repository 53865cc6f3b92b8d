{#- The change feed and the cursor column of the CRM tables (segment_membership_changes, `updated_at`). -#}


{#- True on a customer's first row and on every row where any of `columns` differs from the customer's row
    one snapshot earlier. Values are compared as text with a marker for null, so a change to or from null
    counts and the comparison means the same on every engine. -#}
{% macro differs_from_previous_row(columns, partition_by='customer_id', order_by='snapshot_date') -%}
    {%- set window = 'over (partition by ' ~ partition_by ~ ' order by ' ~ order_by ~ ')' -%}
    (
        row_number() {{ window }} = 1
        {%- for column in columns %}
        or coalesce(cast({{ column }} as {{ dbt.type_string() }}), '<null>')
            <> coalesce(cast(lag({{ column }}) {{ window }} as {{ dbt.type_string() }}), '<null>')
        {%- endfor %}
    )
{%- endmacro %}


{#- A pre-hook for segment_membership_changes: the feed has rows only where something changed, so a
    recomputed snapshot that no longer holds any change would not be in the new batch, and a merge keyed on
    the batch would keep its old rows. Deleting every recomputed snapshot first keeps an incremental run
    equal to a full refresh. `recompute_from_sql` selects one column, first_snapshot_date. -#}
{% macro delete_recomputed_changes(recompute_from_sql) -%}
    {{ return(adapter.dispatch('delete_recomputed_changes', 'customer_segmentation')(recompute_from_sql)) }}
{%- endmacro %}

{% macro default__delete_recomputed_changes(recompute_from_sql) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where snapshot_date >= ({{ recompute_from_sql }})
    {%- endif -%}
{%- endmacro %}

{#- Spark's parquet tables have no delete; the partition overwrite replaces the recomputed snapshots that
    still hold a change (see the model's documentation for the one case it cannot clear). -#}
{% macro spark__delete_recomputed_changes(recompute_from_sql) -%}
{%- endmacro %}


{#- The dbt `grants` config of the tables a reverse-ETL reader may select (the CRM tables and the change
    feed): `select` for the role in var `sync_reader_role`, nothing when it is null. -#}
{% macro sync_reader_grants() -%}
    {%- set role = var('sync_reader_role') -%}
    {%- if role is none or (role is string and role | trim == '') -%}
        {{ return({}) }}
    {%- endif -%}
    {%- if role is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_$]*$', role) -%}
        {{ customer_segmentation.config_error('sync_reader_role', role, 'null or a role name (letters, digits, _ and $, not starting with a digit)') }}
    {%- endif -%}
    {{ return({'select': [role]}) }}
{%- endmacro %}


{#- on-run-end: a role granted `select` on a table also needs `usage` on its schema to reach it. Only the
    schemas of the models that grant it are opened, and usage on a schema reads nothing by itself. -#}
{% macro grant_sync_reader_schema_usage() -%}
    {%- set grants = customer_segmentation.sync_reader_grants() -%}
    {%- if not grants or not execute or target.type not in ['postgres', 'redshift', 'snowflake'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set schemas = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.get('grants') -%}
        {%- if node.schema not in schemas -%}
            {%- do schemas.append(node.schema) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for schema in schemas -%}
        grant usage on schema {{ adapter.quote(schema) }} to {{ grants['select'][0] }};
    {% endfor -%}
{%- endmacro %}


{#- The CTE body that says from which snapshot segment_membership_changes recomputes: the newest `lookback`
    snapshots of the family histories up to the newest snapshot already in the feed, and everything after.
    The feed has rows only where something changed, so its own newest snapshot may be older than the
    histories' newest built one; counting back from it recomputes at least every snapshot the histories
    recomputed. A full build starts at the beginning. -#}
{% macro membership_changes_recompute_from(lookback) -%}
    {%- if is_incremental() -%}
    select coalesce(min(snapshot_date), cast('1900-01-01' as date)) as first_snapshot_date
    from (
        select
            snapshot_date,
            dense_rank() over (order by snapshot_date desc) as periods_back
        from (
            select distinct snapshot_date
            from {{ ref('customer_lifecycle_history') }}
            where snapshot_date <= (select max(snapshot_date) from {{ this }})
        ) as history_snapshots
    ) as built_periods
    where periods_back <= {{ lookback }}
    {%- else -%}
    select cast('1900-01-01' as date) as first_snapshot_date
    {%- endif -%}
{%- endmacro %}
