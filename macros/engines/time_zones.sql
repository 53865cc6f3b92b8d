{#- Time-zone arithmetic on every engine, independent of the session's time zone. -#}


{#- A timestamp plus a whole number of minutes. -#}
{% macro shift_minutes(timestamp_expression, minutes) -%}
    {{ return(adapter.dispatch('shift_minutes', 'customer_segmentation')(timestamp_expression, minutes)) }}
{%- endmacro %}


{% macro default__shift_minutes(timestamp_expression, minutes) -%}
    ({{ timestamp_expression }} + ({{ minutes }}) * interval '1 minute')
{%- endmacro %}

{% macro spark__shift_minutes(timestamp_expression, minutes) -%}
    timestampadd(MINUTE, {{ minutes }}, {{ timestamp_expression }})
{%- endmacro %}


{#- The local timestamp `timestamp_expression` in zone `source`, as local time in zone `target` (both SQL
    expressions naming IANA zones); independent of the session's time zone. -#}
{% macro convert_zone(source, target, timestamp_expression) -%}
    {{ return(adapter.dispatch('convert_zone', 'customer_segmentation')(source, target, timestamp_expression)) }}
{%- endmacro %}


{% macro default__convert_zone(source, target, timestamp_expression) -%}
    timezone({{ target }}, timezone({{ source }}, {{ timestamp_expression }}))
{%- endmacro %}

{#- `at time zone` reads a timestamp as local time in a zone (giving a moment), then a moment as local time in
    another zone; neither step depends on the session's TimeZone. -#}
{% macro postgres__convert_zone(source, target, timestamp_expression) -%}
    (({{ timestamp_expression }} at time zone {{ source }}) at time zone {{ target }})
{%- endmacro %}

{% macro spark__convert_zone(source, target, timestamp_expression) -%}
    convert_timezone({{ source }}, {{ target }}, {{ timestamp_expression }})
{%- endmacro %}


{#- The zone name is one the engine can convert with (a name it does not know would fail the statement). -#}
{% macro is_known_zone(zone) -%}
    {{ return(adapter.dispatch('is_known_zone', 'customer_segmentation')(zone)) }}
{%- endmacro %}


{% macro default__is_known_zone(zone) -%}
    {{ zone }} in (select name from pg_timezone_names())
{%- endmacro %}

{% macro postgres__is_known_zone(zone) -%}
    {{ zone }} in (select name from pg_timezone_names)
{%- endmacro %}

{#- Spark has no list of zone names; java.time knows the zones convert_timezone can use. -#}
{% macro spark__is_known_zone(zone) -%}
    try_reflect('java.time.ZoneId', 'of', {{ zone }}) is not null
{%- endmacro %}
