{#- Which raw tables and columns the project reads: the raw schema, the optional events table and the
    orders' version column. -#}

{% macro raw_schema_name() -%}
    {%- set value = var('raw_schema') -%}
    {%- if value is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', value) -%}
        {{ customer_segmentation.config_error('raw_schema', value, 'a schema name of letters, digits and underscores') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro events_enabled() -%}
    {%- set value = var('events_enabled') -%}
    {%- if value is not sameas true and value is not sameas false -%}
        {{ customer_segmentation.config_error('events_enabled', value, 'true or false (false when there is no events table)') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- Whether the optional raw `events` table exists (checked when the build runs; while parsing it is assumed,
    so the source stays in the graph). A project without it builds with the default vars: base_events is
    empty and says so once in the log, naming var events_enabled. -#}
{% macro events_source_found(log_missing=false) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set events = source('raw', 'events') -%}
    {%- set found = adapter.get_relation(database=events.database, schema=events.schema, identifier=events.identifier) -%}
    {%- if found is none and log_missing -%}
        {{ log(
            'No events table at ' ~ events ~ ': the behaviour models build empty and health scores use no usage. '
            ~ 'Set var events_enabled: false to skip them, or load the product events there.', info=true
        ) }}
    {%- endif -%}
    {{ return(found is not none) }}
{%- endmacro %}


{#- The raw tables that must reconcile with staging plus rejected rows. -#}
{% macro raw_source_tables() -%}
    {%- set tables = ['customers', 'accounts', 'products', 'orders'] -%}
    {%- if customer_segmentation.events_enabled() and customer_segmentation.events_source_found() -%}
        {%- do tables.append('events') -%}
    {%- endif -%}
    {{ return(tables) }}
{%- endmacro %}


{#- The version column of raw orders (var orders_version_column), or none: with one, the newest version of
    an order_id wins over conflicting copies. -#}
{% macro orders_version_column() -%}
    {%- set value = var('orders_version_column') -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if value is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', value) -%}
        {{ customer_segmentation.config_error('orders_version_column', value, 'a column name of the raw orders table, or null') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
