{#- Seeds read while compiling (run_query renders a CASE or checks a var against a seed's rows). -#}

{#- A seed's relation for run_query. Inside a unit test ref() names the fixture CTE, which run_query cannot
    read, so the seed that `dbt build` loaded into the target schema is read instead (Spark has no database). -#}
{% macro seed_relation(seed_name) -%}
    {%- set relation = ref(seed_name) -%}
    {%- if '__dbt__cte__' in (relation | string) -%}
        {%- set relation = api.Relation.create(
            database=(target.database if target.database is defined else none),
            schema=target.schema,
            identifier=seed_name
        ) -%}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{#- The seed's relation in the target schema, or none before the first `dbt seed`; for hooks, which cannot
    ref() a seed. -#}
{% macro loaded_seed(seed_name) -%}
    {{ return(adapter.get_relation(database=target.database, schema=target.schema, identifier=seed_name)) }}
{%- endmacro %}
