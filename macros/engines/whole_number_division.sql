{#- floor(numerator / denominator) for whole numbers numerator >= 0 and denominator > 0, computed in
    integers so every engine gives the same digits. -#}
{% macro floor_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('floor_divide', 'customer_segmentation')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__floor_divide(numerator, denominator) -%}
    cast(floor(cast({{ numerator }} as decimal(38, 0)) / cast({{ denominator }} as decimal(38, 0))) as bigint)
{%- endmacro %}

{% macro duckdb__floor_divide(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) // cast({{ denominator }} as bigint))
{%- endmacro %}

{% macro postgres__floor_divide(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) / cast({{ denominator }} as bigint))
{%- endmacro %}

{% macro spark__floor_divide(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) div cast({{ denominator }} as bigint))
{%- endmacro %}
