{#- The last day of the period that starts on `period_start`. -#}
{% macro period_end(period_start, grain) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain, 1, period_start)) }} as date)
{%- endmacro %}


{% macro period_start(date_expression, grain) -%}
    cast({{ dbt.date_trunc(grain, date_expression) }} as date)
{%- endmacro %}


{#- as_of minus N calendar months, clamped to the month's last day, as SQL interval arithmetic does. -#}
{% macro months_before(date_expression, months) -%}
    cast({{ dbt.dateadd('month', -1 * months, date_expression) }} as date)
{%- endmacro %}
