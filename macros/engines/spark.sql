{#- Spark (dbt-spark) implementation of the histories' incremental config. -#}

{#- Spark tables have no delete: a history replaces the snapshots an incremental run recomputes by
    overwriting their snapshot_date partitions (dynamic partition overwrite, set by dbt-spark for this
    strategy and in the profile), which keeps incremental runs equal to a full refresh. -#}
{% macro spark__family_history_incremental_config() -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': ['snapshot_date'],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}
