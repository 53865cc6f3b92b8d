{#- Raw tables may arrive typed or as text (a CSV loader lands text), so staging reads every raw column
    through text and parses it with a cast that yields null instead of failing the whole build. -#}

{% macro as_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{% macro money_type() -%}
    {{ return(adapter.dispatch('money_type', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__money_type() -%}
    decimal(18, 2)
{%- endmacro %}


{% macro try_cast_timestamp(text_expression) -%}
    {{ return(adapter.dispatch('try_cast_timestamp', 'customer_segmentation')(text_expression)) }}
{%- endmacro %}

{% macro default__try_cast_timestamp(text_expression) -%}
    {{ dbt.safe_cast(text_expression, api.Column.translate_type('timestamp')) }}
{%- endmacro %}

{#- dbt-duckdb's safe_cast is a plain cast, so one unparseable value would fail the whole build. -#}
{% macro duckdb__try_cast_timestamp(text_expression) -%}
    try_cast({{ text_expression }} as timestamp)
{%- endmacro %}


{% macro try_cast_money(text_expression) -%}
    {{ return(adapter.dispatch('try_cast_money', 'customer_segmentation')(text_expression)) }}
{%- endmacro %}

{% macro default__try_cast_money(text_expression) -%}
    {{ dbt.safe_cast(text_expression, customer_segmentation.money_type()) }}
{%- endmacro %}

{% macro duckdb__try_cast_money(text_expression) -%}
    try_cast({{ text_expression }} as {{ customer_segmentation.money_type() }})
{%- endmacro %}


{% macro to_date(timestamp_expression) -%}
    cast({{ timestamp_expression }} as date)
{%- endmacro %}


{#- Today's date as a literal, fixed for the whole invocation, so every model of one build agrees on it. -#}
{% macro build_run_date() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d") }}' as date)
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
