{#- The vars of the Buy-Till-You-Die predictions (`segmentation clv fit` and the prediction models). -#}

{% macro clv_time_unit() -%}
    {%- set value = var('clv_time_unit') -%}
    {%- if value not in ['day', 'week'] -%}
        {{ customer_segmentation.config_error('clv_time_unit', value, 'day, week') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- Days in one time unit: a week is exactly 7 days, fractions of a unit are kept. -#}
{% macro clv_time_unit_days() -%}
    {{ return(7 if customer_segmentation.clv_time_unit() == 'week' else 1) }}
{%- endmacro %}


{#- The prediction horizon in days: `clv_horizon` units of `clv_time_unit`. -#}
{% macro clv_horizon_days() -%}
    {%- set value = var('clv_horizon') -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 1 -%}
        {{ customer_segmentation.config_error('clv_horizon', value, 'a whole number of clv_time_unit units >= 1') }}
    {%- endif -%}
    {{ return((value | int) * customer_segmentation.clv_time_unit_days()) }}
{%- endmacro %}


{% macro clv_model() -%}
    {%- set value = var('clv_model') -%}
    {%- if value not in ['mbg_nbd', 'bg_nbd'] -%}
        {{ customer_segmentation.config_error('clv_model', value, 'mbg_nbd, bg_nbd') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- The calibration cutoff as a date literal, or none for the newest snapshot that leaves a full horizon of
    holdout. -#}
{% macro clv_calibration_end_literal() -%}
    {%- set value = var('clv_calibration_end') -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) or not customer_segmentation.is_real_date(text) -%}
        {{ customer_segmentation.config_error('clv_calibration_end', value, "a snapshot's as_of_date written YYYY-MM-DD, or null") }}
    {%- endif -%}
    {{ return("cast('" ~ text ~ "' as date)") }}
{%- endmacro %}


{% macro clv_max_series_terms() -%}
    {{ return(customer_segmentation.whole_number_var('clv_max_series_terms', minimum=100)) }}
{%- endmacro %}
