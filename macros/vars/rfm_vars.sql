{#- The RFM history's vars, each read and validated in one place. -#}

{% macro rfm_grain() -%}
    {%- set allowed = ['day', 'week', 'month', 'quarter'] -%}
    {%- set value = var('rfm_grain') -%}
    {%- if value not in allowed -%}
        {{ customer_segmentation.config_error('rfm_grain', value, allowed | join(', ')) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro rfm_window_months() -%}
    {%- set value = var('rfm_window_months') -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 0 -%}
        {{ customer_segmentation.config_error('rfm_window_months', value, 'a whole number of months >= 0 (0 = all history)') }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}


{% macro rfm_score_method() -%}
    {%- set allowed = ['percent_rank', 'ntile', 'thresholds'] -%}
    {%- set value = var('rfm_score_method') -%}
    {%- if value not in allowed -%}
        {{ customer_segmentation.config_error('rfm_score_method', value, allowed | join(', ')) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- Who is ranked in each snapshot: `active` (customers with a completed order in the window) or `all`. -#}
{% macro rfm_score_population() -%}
    {%- set allowed = ['active', 'all'] -%}
    {%- set value = var('rfm_score_population') -%}
    {%- if value not in allowed -%}
        {{ customer_segmentation.config_error('rfm_score_population', value, allowed | join(', ')) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro rfm_lookback_periods() -%}
    {%- set value = var('rfm_lookback_periods') -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 0 -%}
        {{ customer_segmentation.config_error('rfm_lookback_periods', value, 'a whole number >= 0 (0: only the periods whose inputs changed)') }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}


{#- A date literal, or none when the as-of date comes from the data (the latest valid order date). -#}
{% macro rfm_as_of_date_literal() -%}
    {%- set value = var('rfm_as_of_date') -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- set parsed = none -%}
    {%- if modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d') if customer_segmentation.is_real_date(text) else none -%}
    {%- endif -%}
    {%- if parsed is none -%}
        {{ customer_segmentation.config_error('rfm_as_of_date', value, 'a real calendar date written YYYY-MM-DD, or null for the latest valid order date') }}
    {%- endif -%}
    {{ return("cast('" ~ text ~ "' as date)") }}
{%- endmacro %}
