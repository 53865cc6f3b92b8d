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


{#- The family histories segment_membership_changes follows, in one list for its recompute start and its
    pre-hook (behaviour only with events). -#}
{% macro family_history_relations() -%}
    {%- set relations = [ref('customer_rfm_history')] -%}
    {%- if customer_segmentation.events_enabled() -%}
        {%- do relations.append(ref('customer_behaviour_history')) -%}
    {%- endif -%}
    {%- do relations.extend([
        ref('customer_lifecycle_history'), ref('customer_value_history'), ref('customer_health_history')
    ]) -%}
    {{ return(relations) }}
{%- endmacro %}


{#- A pre-hook for segment_membership_changes: the feed has rows only where something changed, so a
    recomputed snapshot that no longer holds any change would not be in the new batch, and a merge keyed on
    the batch would keep its old rows. Deleting every recomputed snapshot first (from the start
    recompute_start_from finds for `upstream_relations`) keeps an incremental run equal to a full refresh. -#}
{% macro delete_recomputed_changes(upstream_relations) -%}
    {{ return(adapter.dispatch('delete_recomputed_changes', 'customer_segmentation')(upstream_relations)) }}
{%- endmacro %}

{% macro default__delete_recomputed_changes(upstream_relations) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where snapshot_date >= (
        select first_snapshot_date
        from ({{ customer_segmentation.recompute_start_from(upstream_relations) }}) as recompute_start
    )
    {%- endif -%}
{%- endmacro %}

{#- Spark's parquet tables have no delete; the partition overwrite replaces the recomputed snapshots that
    still hold a change (see the model's documentation for the one case it cannot clear). -#}
{% macro spark__delete_recomputed_changes(upstream_relations) -%}
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
