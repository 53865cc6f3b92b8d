{#- The publish guard, a pre-hook of the CRM tables (customer_segments_current, customer_profile_current; set
    in dbt_project.yml). Before the table materialization touches the published table, it counts the rows the
    model's SQL would publish and compares them with the rows published now: when the new table would be empty,
    or smaller by more than var `max_publish_shrink_share` of the published rows, the model fails and
    the published table, everything downstream of it (the SCD2 snapshot) and the DuckDB read copy stay as
    they were. The first build (nothing published yet) is always allowed. Returns no SQL. -#}
{% macro publish_guard() -%}
    {%- if execute -%}
        {%- set share = customer_segmentation.share_var('max_publish_shrink_share') -%}
        {%- set published = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
        {%- if published is none -%}
            {{ log("publish guard: " ~ this.identifier ~ ": first build, nothing published yet", info=false) }}
        {%- else -%}
            {%- set counts = run_query(
                "/* publish guard */ select"
                ~ " (select count(*) from " ~ published ~ ") as published_rows,"
                ~ " (select count(*) from (" ~ model.compiled_code ~ ") as candidate) as candidate_rows"
            ).rows[0] -%}
            {%- set published_rows = counts[0] | int -%}
            {%- set candidate_rows = counts[1] | int -%}
            {%- set lost = published_rows - candidate_rows -%}
            {%- if published_rows > 0 and lost > share * published_rows -%}
                {%- set what = "be emptied (0 of " ~ published_rows ~ " rows left)" if candidate_rows == 0
                    else "shrink from " ~ published_rows ~ " to " ~ candidate_rows ~ " rows ("
                        ~ ((100.0 * lost / published_rows) | round(1)) ~ "% fewer)" -%}
                {{ exceptions.raise_compiler_error(
                    "Publish guard: " ~ this.identifier ~ " would " ~ what ~ ", more than max_publish_shrink_share = "
                    ~ share ~ " of its rows; nothing was replaced, the published table and the snapshot stay as they"
                    ~ " were. If the drop is expected, rerun with --vars '{max_publish_shrink_share: "
                    ~ ([((lost / published_rows) | round(2, 'ceil')), 1.0] | min) ~ "}' (1 allows emptying it)."
                ) }}
            {%- endif -%}
            {{ log("publish guard: " ~ this.identifier ~ ": " ~ published_rows ~ " -> " ~ candidate_rows ~ " rows, within max_publish_shrink_share = " ~ share, info=true) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
