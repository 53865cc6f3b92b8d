{#- Says in the build's log how many raw rows were set aside and why; returns no SQL. -#}
{% macro log_rejected_rows(relation) -%}
    {%- if execute -%}
        {%- set summary = run_query(
            "select source_table, reason, count(*) as row_count from " ~ relation
            ~ " group by source_table, reason order by row_count desc, source_table, reason"
        ) -%}
        {%- set total = summary.columns[2].values() | sum -%}
        {%- if total == 0 -%}
            {{ log("rejected_rows: no raw rows were set aside", info=true) }}
        {%- else -%}
            {{ log("rejected_rows: " ~ total ~ " raw rows set aside", info=true) }}
            {%- for row in summary.rows -%}
                {{ log("  " ~ row[0] ~ ": " ~ row[2] ~ " x " ~ row[1], info=true) }}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
