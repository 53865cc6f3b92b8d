{#- Text as money (a two-decimal number), null instead of a failed build when it does not parse or fit. -#}


{#- Text as a decimal with two decimals; null when it does not parse or has more than `precision` digits.
    The default precision is the money type's; staging parses with 38 so that a number too large for an order
    can be told from text that is no number (see order_amount_limit). -#}
{% macro try_cast_money(text_expression, precision=18) -%}
    {{ return(adapter.dispatch('try_cast_money', 'customer_segmentation')(text_expression, precision)) }}
{%- endmacro %}


{% macro default__try_cast_money(text_expression, precision=18) -%}
    {{ dbt.safe_cast(text_expression, 'decimal(' ~ precision ~ ', 2)') }}
{%- endmacro %}

{% macro duckdb__try_cast_money(text_expression, precision=18) -%}
    try_cast({{ text_expression }} as decimal({{ precision }}, 2))
{%- endmacro %}


{#- A decimal number (optional sign, digits with single underscores between them as DuckDB allows, an
    optional fraction and exponent), rounded half away from zero to cents like a cast. Null when it does not
    fit decimal(precision, 2), where PostgreSQL would fail with 'numeric field overflow'. -#}
{% macro postgres__try_cast_money(text_expression, precision=18) -%}
    {%- set x = '(' ~ text_expression ~ ')' -%}
    {%- set digits = '[0-9](?:_?[0-9])*' -%}
    {%- set pattern = '^[+-]?(?:' ~ digits ~ '(?:[.](?:' ~ digits ~ ')?)?|[.]' ~ digits ~ ')(?:[eE][+-]?[0-9]{1,4})?$' -%}
    case when {{ x }} ~ '{{ pattern }}' then
        case when abs(round(cast(replace({{ x }}, '_', '') as numeric), 2)) < 1e{{ precision - 2 }}
            then cast(cast(replace({{ x }}, '_', '') as numeric) as decimal({{ precision }}, 2))
        end
    end
{%- endmacro %}


{% macro spark__try_cast_money(text_expression, precision=18) -%}
    try_cast({{ text_expression }} as decimal({{ precision }}, 2))
{%- endmacro %}
