{#- A ratio rounded half away from zero to `scale` decimals (1..10), with the same digits on every engine.
    Plain division is not enough: DuckDB divides decimals as doubles, and 29 / 200 = 0.145 is 0.14499... in
    binary, so it would round to 0.14 where PostgreSQL and Spark give 0.15. The operands are counts or money
    (at most two decimals); a zero denominator gives null. -#}

{% macro round_ratio(numerator, denominator, scale) -%}
    {{ return(adapter.dispatch('round_ratio', 'customer_segmentation')(numerator, denominator, scale)) }}
{%- endmacro %}


{% macro default__round_ratio(numerator, denominator, scale) -%}
    {#- Exact decimal division; decimal(20, 2) operands keep 18 decimals of the quotient on Spark too. -#}
    cast(round(
        cast({{ numerator }} as decimal(20, 2)) / nullif(cast({{ denominator }} as decimal(20, 2)), 0),
        {{ scale }}
    ) as decimal(18, {{ scale }}))
{%- endmacro %}


{% macro duckdb__round_ratio(numerator, denominator, scale) -%}
    {#- In whole cents: round(n / d, s) = sign * floor((2 |n| 10^s + |d|) / (2 |d|)) / 10^s, all integers. -#}
    {%- set n = 'cast(cast(' ~ numerator ~ ' as decimal(20, 2)) * 100 as hugeint)' -%}
    {%- set d = 'cast(nullif(cast(' ~ denominator ~ ' as decimal(20, 2)), 0) * 100 as hugeint)' -%}
    cast(
        cast(
            sign({{ n }}) * sign({{ d }})
            * ((2 * abs({{ n }}) * {{ 10 ** scale }} + abs({{ d }})) // (2 * abs({{ d }})))
            as decimal(38, 0)
        ) * 0.{{ '0' * (scale - 1) }}1
    as decimal(18, {{ scale }}))
{%- endmacro %}
