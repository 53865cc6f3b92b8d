{#- Settings for the statement that builds a model, run as its pre-hook inside the same transaction. Engines
    that need none render nothing, and dbt skips an empty hook. -#}
{% macro engine_session_settings() -%}
    {{ return(adapter.dispatch('engine_session_settings', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__engine_session_settings() -%}
{%- endmacro %}
