{#- Snapshots (SCD2) on parquet. dbt-spark's snapshot needs MERGE, i.e. delta, iceberg or hudi tables, whose
    jars a local pip-installed Spark does not ship. For parquet this materialization computes the whole new
    snapshot table (closed versions, untouched versions, new versions) into a work table and then overwrites
    the snapshot with it: the same rows MERGE would leave, at the cost of rewriting the (small) snapshot on
    each run. Delta, iceberg and hudi snapshots keep dbt-spark's MERGE. -#}
{% macro spark__snapshot_rewrite_sql(target, staging, work) -%}
    {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
    {%- set target_columns = adapter.get_columns_in_relation(target) | map(attribute='name') | list -%}
    {%- set current_condition -%}
        {%- if config.get('dbt_valid_to_current') -%}
        (snapshotted.{{ columns.dbt_valid_to }} = {{ config.get('dbt_valid_to_current') }} or snapshotted.{{ columns.dbt_valid_to }} is null)
        {%- else -%}
        snapshotted.{{ columns.dbt_valid_to }} is null
        {%- endif -%}
    {%- endset -%}
    create table {{ work }} using parquet as
    with closing as (
        select
            {{ columns.dbt_scd_id }},
            {{ columns.dbt_valid_to }}
        from {{ staging }}
        where dbt_change_type in ('update', 'delete')
    )
    select
        {%- for name in target_columns %}
        {% if name | lower == columns.dbt_valid_to | lower -%}
        case
            when closing.{{ columns.dbt_scd_id }} is not null and {{ current_condition }}
                then closing.{{ columns.dbt_valid_to }}
            else snapshotted.{{ columns.dbt_valid_to }}
        end as {{ adapter.quote(name) }}
        {%- else -%}
        snapshotted.{{ adapter.quote(name) }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ target }} as snapshotted
    left join closing
        on snapshotted.{{ columns.dbt_scd_id }} = closing.{{ columns.dbt_scd_id }}
    union all
    select
        {%- for name in target_columns %}
        {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ staging }}
    where dbt_change_type = 'insert'
{%- endmacro %}


{% materialization snapshot, adapter='spark' %}

  {%- set target_table = model.get('alias', model.get('name')) -%}
  {%- set strategy_name = config.get('strategy') -%}
  {%- set file_format = config.get('file_format') or 'parquet' -%}
  {%- set grant_config = config.get('grants') -%}
  {%- set merges = file_format in ['delta', 'iceberg', 'hudi'] -%}

  {% set target_relation_exists, target_relation = get_or_create_relation(
          database=none,
          schema=model.schema,
          identifier=target_table,
          type='table') -%}

  {%- if file_format not in ['delta', 'iceberg', 'hudi', 'parquet'] -%}
    {% do exceptions.raise_compiler_error('Snapshots on Spark need file_format parquet, delta, iceberg or hudi, not ' ~ file_format) %}
  {% endif %}

  {% if not adapter.check_schema_exists(model.database, model.schema) %}
    {% do create_schema(model.schema) %}
  {% endif %}

  {%- if not target_relation.is_table -%}
    {% do exceptions.relation_wrong_type(target_relation, 'table') %}
  {%- endif -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% set strategy_macro = strategy_dispatch(strategy_name) %}
  {% set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'], target_relation_exists) %}

  {% if not target_relation_exists %}

      {% set build_sql = build_snapshot_table(strategy, model['compiled_code']) %}
      {% call statement('main') %}
          {{ create_table_as(False, target_relation, build_sql) }}
      {% endcall %}

  {% else %}

      {% set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}
      {{ adapter.valid_snapshot_target(target_relation, columns) }}

      {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}

      {% set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
                                   | rejectattr('name', 'equalto', 'dbt_change_type')
                                   | rejectattr('name', 'equalto', 'DBT_CHANGE_TYPE')
                                   | rejectattr('name', 'equalto', 'dbt_unique_key')
                                   | rejectattr('name', 'equalto', 'DBT_UNIQUE_KEY')
                                   | list %}
      {% do create_columns(target_relation, missing_columns) %}

      {% if merges %}
          {% set source_columns = adapter.get_columns_in_relation(staging_table)
                                       | rejectattr('name', 'equalto', 'dbt_change_type')
                                       | rejectattr('name', 'equalto', 'DBT_CHANGE_TYPE')
                                       | rejectattr('name', 'equalto', 'dbt_unique_key')
                                       | rejectattr('name', 'equalto', 'DBT_UNIQUE_KEY')
                                       | list %}
          {% set quoted_source_columns = [] %}
          {% for column in source_columns %}
            {% do quoted_source_columns.append(adapter.quote(column.name)) %}
          {% endfor %}
          {% call statement('main') %}
              {{ snapshot_merge_sql(target=target_relation, source=staging_table, insert_cols=quoted_source_columns) }}
          {% endcall %}
      {% else %}
          {#- The staging view reads the snapshot itself, so the new rows go to a work table first. -#}
          {% set work_relation = api.Relation.create(
                identifier=target_table ~ '__dbt_rewrite', schema=model.schema, database=none, type='table') %}
          {% call statement('drop_work_table') %}
              drop table if exists {{ work_relation }}
          {% endcall %}
          {% call statement('build_work_table') %}
              {{ spark__snapshot_rewrite_sql(target_relation, staging_table, work_relation) }}
          {% endcall %}
          {% call statement('main') %}
              insert overwrite table {{ target_relation }}
              select * from {{ work_relation }}
          {% endcall %}
          {% do adapter.drop_relation(work_relation) %}
      {% endif %}

  {% endif %}

  {% set should_revoke = should_revoke(target_relation_exists, full_refresh_mode) %}
  {% do apply_grants(target_relation, grant_config, should_revoke) %}
  {% do persist_docs(target_relation, model) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}

  {% if staging_table is defined %}
      {% do post_snapshot(staging_table) %}
  {% endif %}

  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
