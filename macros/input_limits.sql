{#- The bounds of valid input: values outside them are rejected rows with a reason. -#}


{#- The largest order amount (and cost) accepted, exclusive: what fits decimal(12, 2), the raw contract type.
    The money type, decimal(18, 2), then holds the total of a million such orders, so no sum of valid orders
    can fail a model with a decimal overflow; a larger amount is a rejected row ('amount out of range'). -#}
{% macro order_amount_limit() -%}
    10000000000
{%- endmacro %}


{#- The earliest date any timestamp may carry. Older dates are typos or placeholders ('0001-01-01'); the
    incremental models also use 1900-01-01 as their 'nothing built yet' sentinel, so nothing older may reach
    them. A date before it is a rejected row (or a nulled attribute) with a reason, never a silent cut. -#}
{% macro earliest_valid_date() -%}
    cast('1900-01-01' as date)
{%- endmacro %}
