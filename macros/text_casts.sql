{#- Raw tables may arrive typed or as text (a CSV loader lands text), so staging reads every raw column
    through text and parses it with a cast that yields null instead of failing the whole build (the casts
    themselves: macros/engines/timestamp_casts.sql, money_casts.sql). -#}


{% macro as_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{#- One text column holding every raw value, so a rejected row can be inspected without the raw table. -#}
{% macro raw_values(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(" ~ customer_segmentation.as_text(column) ~ ", '<null>')") -%}
        {%- if not loop.last %}{% do parts.append("' | '") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}


{% macro to_date(timestamp_expression) -%}
    cast({{ timestamp_expression }} as date)
{%- endmacro %}
