{#- Regular expressions (POSIX-, RE2- and Java-compatible patterns, no backslashes) on every engine. -#}


{% macro regex_matches(text_expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'customer_segmentation')(text_expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(text_expression, pattern) -%}
    regexp_matches({{ text_expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_matches(text_expression, pattern) -%}
    ({{ text_expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_matches(text_expression, pattern) -%}
    ({{ text_expression }} rlike '{{ pattern }}')
{%- endmacro %}


{#- Capture group `group` of the first match of `pattern`; null without a match. -#}
{% macro regex_group(text_expression, pattern, group) -%}
    {{ return(adapter.dispatch('regex_group', 'customer_segmentation')(text_expression, pattern, group)) }}
{%- endmacro %}


{% macro default__regex_group(text_expression, pattern, group) -%}
    nullif(regexp_extract({{ text_expression }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}

{% macro postgres__regex_group(text_expression, pattern, group) -%}
    nullif((regexp_match({{ text_expression }}, '{{ pattern }}'))[{{ group }}], '')
{%- endmacro %}
