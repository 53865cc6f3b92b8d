{#- on-run-start: before any model runs, each raw source a selected node reads is checked for the columns the
    staging models read. A missing table or column stops the build with one message naming the table, the
    missing columns and the columns found, instead of a binder error deep inside a staging model that names
    neither. Extra columns are allowed; names match case-insensitively. Returns no SQL. -#}
{% macro check_source_columns() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set required_by_table = customer_segmentation.required_source_columns() -%}
    {%- set problems = [] -%}
    {%- for source_node in graph.sources.values()
        if source_node.package_name == project_name and source_node.source_name == 'raw' and source_node.name in required_by_table -%}
        {%- if customer_segmentation.source_is_read(source_node.unique_id) -%}
            {%- set relation = adapter.get_relation(database=source_node.database, schema=source_node.schema, identifier=source_node.identifier) -%}
            {%- set shown = ([source_node.schema, source_node.identifier] | join('.')) -%}
            {%- if relation is none and source_node.name == 'events' -%}
                {#- Optional: base_events builds empty and logs a line naming var events_enabled. -#}
            {%- elif relation is none -%}
                {%- do problems.append("source table " ~ shown ~ " not found (var raw_schema = " ~ source_node.schema ~ ")") -%}
            {%- else -%}
                {%- set found = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
                {%- set found_lower = found | map('lower') | list -%}
                {%- set missing = [] -%}
                {%- for column in required_by_table[source_node.name] if column not in found_lower -%}
                    {%- do missing.append(column) -%}
                {%- endfor -%}
                {%- if missing -%}
                    {%- do problems.append("source table " ~ shown ~ " is missing required column(s) " ~ missing | join(', ') ~ "; columns found: " ~ (found | join(', ') or 'none')) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            "Schema check: " ~ problems | join(" | ") ~ ". Rename or add the columns in the raw table (a column"
            ~ " without values, such as cost, may hold nulls but must exist), or point var raw_schema or the"
            ~ " source's identifier in models/staging/_sources.yml at the right table. No model was run."
        ) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{#- The columns the staging models read from each raw table: all of them are required. `cost` and the
    descriptive customer columns may hold nulls, but the column itself must exist. The events table is
    checked only when var `events_enabled` is true, and
    only when it exists: a missing events table is optional (see events_source_found). -#}
{% macro required_source_columns() -%}
    {%- set required = {
        'customers': ['customer_id', 'customer_name', 'email', 'country', 'industry', 'company_size', 'created_at'],
        'accounts': ['account_id', 'customer_id', 'plan', 'opened_at'],
        'products': ['product_id', 'product_name', 'category'],
        'orders': ['order_id', 'customer_id', 'account_id', 'product_id', 'ordered_at', 'amount', 'cost', 'status'],
    } -%}
    {%- if customer_segmentation.events_enabled() -%}
        {%- do required.update({'events': ['event_id', 'customer_id', 'event_name', 'occurred_at']}) -%}
    {%- endif -%}
    {{ return(required) }}
{%- endmacro %}


{#- True when a node selected in this invocation reads the source (so `dbt seed` alone checks nothing). -#}
{% macro source_is_read(source_id) -%}
    {%- for unique_id in selected_resources if unique_id in graph.nodes -%}
        {%- if source_id in graph.nodes[unique_id].depends_on.nodes -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}
