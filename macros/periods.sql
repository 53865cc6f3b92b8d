{#- The last day of the period that starts on `period_start`. -#}
{% macro period_end(period_start, grain) -%}
    cast({{ dbt.dateadd('day', -1, customer_segmentation.add_periods(grain, 1, period_start)) }} as date)
{%- endmacro %}


{#- `date_expression` plus `periods` periods of `grain`. A quarter is three months: PostgreSQL's interval has
    no 'quarter' unit, and dbt.dateadd passes the unit through. -#}
{% macro add_periods(grain, periods, date_expression) -%}
    {%- if grain == 'quarter' -%}
        {{ dbt.dateadd('month', 3 * periods, date_expression) }}
    {%- else -%}
        {{ dbt.dateadd(grain, periods, date_expression) }}
    {%- endif -%}
{%- endmacro %}


{% macro period_start(date_expression, grain) -%}
    cast({{ dbt.date_trunc(grain, date_expression) }} as date)
{%- endmacro %}


{#- as_of minus N calendar months, clamped to the month's last day, as SQL interval arithmetic does. -#}
{% macro months_before(date_expression, months) -%}
    cast({{ dbt.dateadd('month', -1 * months, date_expression) }} as date)
{%- endmacro %}
