{#- Column types whose spelling differs between engines. -#}


{% macro money_type() -%}
    {{ return(adapter.dispatch('money_type', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__money_type() -%}
    decimal(18, 2)
{%- endmacro %}


{% macro double_type() -%}
    {{ return(adapter.dispatch('double_type', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__double_type() -%}
    double precision
{%- endmacro %}

{% macro spark__double_type() -%}
    double
{%- endmacro %}
