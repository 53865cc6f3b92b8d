{#- Every var is validated before it reaches SQL: a wrong value stops the build with a message that names the
    var, the value and what is allowed. -#}

{% macro config_error(var_name, value, allowed) -%}
    {{ exceptions.raise_compiler_error(
        "Invalid value for var '" ~ var_name ~ "': " ~ (value | string) ~ ". Allowed: " ~ allowed ~ "."
    ) }}
{%- endmacro %}


{% macro is_whole_number(value) -%}
    {{ return(value is number and (value | int) == value and value is not sameas true and value is not sameas false) }}
{%- endmacro %}


{% macro rfm_grain() -%}
    {%- set allowed = ['day', 'week', 'month', 'quarter'] -%}
    {%- set value = var('rfm_grain', 'month') -%}
    {%- if value not in allowed -%}
        {{ customer_segmentation.config_error('rfm_grain', value, allowed | join(', ')) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro rfm_window_months() -%}
    {%- set value = var('rfm_window_months', 12) -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 0 -%}
        {{ customer_segmentation.config_error('rfm_window_months', value, 'a whole number of months >= 0 (0 = all history)') }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}


{% macro rfm_score_method() -%}
    {%- set allowed = ['percent_rank', 'ntile', 'thresholds'] -%}
    {%- set value = var('rfm_score_method', 'percent_rank') -%}
    {%- if value not in allowed -%}
        {{ customer_segmentation.config_error('rfm_score_method', value, allowed | join(', ')) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- Who is ranked in each snapshot: `active` (customers with a completed order in the window) or `all`. -#}
{% macro rfm_score_population() -%}
    {%- set allowed = ['active', 'all'] -%}
    {%- set value = var('rfm_score_population', 'active') -%}
    {%- if value not in allowed -%}
        {{ customer_segmentation.config_error('rfm_score_population', value, allowed | join(', ')) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro rfm_lookback_periods() -%}
    {%- set value = var('rfm_lookback_periods', 2) -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 1 -%}
        {{ customer_segmentation.config_error('rfm_lookback_periods', value, 'a whole number >= 1 (the newest built period is always recomputed)') }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}


{% macro rfm_as_of_date_literal() -%}
    {#- Returns a date literal, or none when the as-of date comes from the data. -#}
    {%- set value = var('rfm_as_of_date', none) -%}
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


{% macro is_real_date(text) -%}
    {%- set year = text[0:4] | int -%}
    {%- set month = text[5:7] | int -%}
    {%- set day = text[8:10] | int -%}
    {%- if month < 1 or month > 12 or day < 1 or year < 1 -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
    {%- set days_in_month = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {{ return(day <= days_in_month[month - 1]) }}
{%- endmacro %}


{% macro share_var(var_name, default) -%}
    {%- set value = var(var_name, default) -%}
    {%- if value is not number or value is sameas true or value is sameas false or value < 0 or value > 1 -%}
        {{ customer_segmentation.config_error(var_name, value, 'a share between 0 and 1') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro non_negative_number_var(var_name, default) -%}
    {%- set value = var(var_name, default) -%}
    {%- if value is not number or value is sameas true or value is sameas false or value < 0 -%}
        {{ customer_segmentation.config_error(var_name, value, 'a number >= 0') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro weights_var(var_name, expected_keys) -%}
    {%- set value = var(var_name) -%}
    {%- if value is not mapping -%}
        {{ customer_segmentation.config_error(var_name, value, 'a mapping of ' ~ expected_keys | join(', ') ~ ' to weights') }}
    {%- endif -%}
    {%- set total = namespace(sum=0) -%}
    {%- for key, weight in value.items() -%}
        {%- if key not in expected_keys -%}
            {{ customer_segmentation.config_error(var_name, value, 'keys among ' ~ expected_keys | join(', ') ~ ' (unknown key ' ~ key ~ ')') }}
        {%- endif -%}
        {%- if weight is not number or weight is sameas true or weight is sameas false or weight < 0 -%}
            {{ customer_segmentation.config_error(var_name, value, 'weights that are numbers >= 0') }}
        {%- endif -%}
        {%- set total.sum = total.sum + weight -%}
    {%- endfor -%}
    {%- if total.sum <= 0 -%}
        {{ customer_segmentation.config_error(var_name, value, 'weights whose sum is positive') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro rfm_window_months_var(var_name, default) -%}
    {%- set value = var(var_name, default) -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 1 -%}
        {{ customer_segmentation.config_error(var_name, value, 'a whole number of months >= 1') }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}
