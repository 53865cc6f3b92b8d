{#- Settings for the statement that builds a model, run as its pre-hook inside the same transaction. Engines
    that need none render nothing, and dbt skips an empty hook. -#}
{% macro engine_session_settings() -%}
    {{ return(adapter.dispatch('engine_session_settings', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__engine_session_settings() -%}
{%- endmacro %}


{#- JIT compilation pays off for long analytical queries over big tables, but the PostgreSQL parse guards
    (timestamp_casts.sql, money_casts.sql) make wide expressions whose compilation costs more than it saves:
    the demo builds in about two thirds of the time without it. `set local` lasts for the model's
    transaction only. -#}
{% macro postgres__engine_session_settings() -%}
    set local jit = off
{%- endmacro %}
