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
        {%- if data_type is string and data_type | trim | lower == 'double precision' -%}
            {%- set data_type = 'double' -%}
        {%- endif -%}
        {%- do spark_columns.update({name: dict(column, data_type=data_type)}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(spark_columns)) }}
{%- endmacro %}
