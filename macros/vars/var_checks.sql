{#- The checks every var reader builds on. A wrong value stops the build with a message that names the var,
    the value and what is allowed. The defaults live in dbt_project.yml only, so each reader calls
    var(name) without one. -#}

{% macro config_error(var_name, value, allowed) -%}
    {{ exceptions.raise_compiler_error(
        "Invalid value for var '" ~ var_name ~ "': " ~ (value | string) ~ ". Allowed: " ~ allowed ~ "."
    ) }}
{%- endmacro %}


{#- Jinja counts true and false as numbers, so they are refused explicitly. -#}
{% macro is_whole_number(value) -%}
    {{ return(value is number and (value | int) == value and value is not sameas true and value is not sameas false) }}
{%- endmacro %}


{#- `text` is YYYY-MM-DD (checked by the caller); a real calendar day, leap years included. -#}
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


{#- `default` is ignored and kept only so that existing call sites keep compiling: the default lives in
    dbt_project.yml. -#}
{% macro whole_number_var(var_name, default=none, minimum=0) -%}
    {%- set value = var(var_name) -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < minimum -%}
        {{ customer_segmentation.config_error(var_name, value, 'a whole number >= ' ~ minimum) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}


{% macro share_var(var_name, default=none) -%}
    {%- set value = var(var_name) -%}
    {%- if value is not number or value is sameas true or value is sameas false or value < 0 or value > 1 -%}
        {{ customer_segmentation.config_error(var_name, value, 'a share between 0 and 1') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro non_negative_number_var(var_name, default=none) -%}
    {%- set value = var(var_name) -%}
    {%- if value is not number or value is sameas true or value is sameas false or value < 0 -%}
        {{ customer_segmentation.config_error(var_name, value, 'a number >= 0') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- A trailing window in whole months other than rfm_window_months (which also allows 0 for all history):
    value_window_months, tier_lookback_months. -#}
{% macro window_months_var(var_name) -%}
    {%- set value = var(var_name) -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 1 -%}
        {{ customer_segmentation.config_error(var_name, value, 'a whole number of months >= 1') }}
    {%- endif -%}
    {{ return(value | int) }}
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


{#- Bands are only reachable when their thresholds increase strictly in the given order. -#}
{% macro require_increasing(names, values) -%}
    {%- for index in range(1, values | length) -%}
        {%- if values[index] <= values[index - 1] -%}
            {{ customer_segmentation.config_error(names[index], values[index], 'a value above ' ~ names[index - 1] ~ ' (' ~ values[index - 1] ~ ')') }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
