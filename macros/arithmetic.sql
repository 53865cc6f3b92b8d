{#- Exact whole-number arithmetic for scores and money, the same digits on every engine. -#}


{#- A whole-number score 0..100: floor(100 * part / whole) for 0 <= part <= whole, whole > 0. -#}
{% macro percent_score(part, whole) -%}
    cast({{ customer_segmentation.floor_divide('100 * (' ~ part ~ ')', whole) }} as integer)
{%- endmacro %}


{#- A money amount as whole cents (exact for the two-decimal money type). -#}
{% macro cents(money_expression) -%}
    cast({{ money_expression }} * 100 as bigint)
{%- endmacro %}
