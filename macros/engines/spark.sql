{#- Spark (dbt-spark) implementations of the project's dispatched macros. -#}

{#- Bad input must become null (then a rejected row), never a failed build: try_cast returns null for an
    unparseable value whether or not spark.sql.ansi.enabled makes a plain cast throw. -#}
{% macro spark__try_cast_timestamp(text_expression) -%}
    try_cast({{ text_expression }} as timestamp)
{%- endmacro %}

{% macro spark__try_cast_money(text_expression) -%}
    try_cast({{ text_expression }} as {{ customer_segmentation.money_type() }})
{%- endmacro %}


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


{#- Contracts name portable types (varchar, integer, date, decimal(18,2), boolean); Spark wants a length
    for varchar, and its string columns are what the models produce, so varchar and text mean string. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set spark_columns = {} -%}
    {%- for name in columns -%}
        {%- set column = columns[name] -%}
        {%- set data_type = column.get('data_type') -%}
        {%- if data_type is string and data_type | trim | lower in ['varchar', 'text'] -%}
            {%- set data_type = 'string' -%}
        {%- endif -%}
        {%- do spark_columns.update({name: dict(column, data_type=data_type)}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(spark_columns)) }}
{%- endmacro %}
