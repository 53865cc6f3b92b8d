{#- Flags each source whose share of rejected raw rows is above the share in var `share_var`. Attached twice to
    rejected_rows (severity warn and error). A failing row carries a readable failure_message, and the same
    message goes to the build log (warn) or stops the build (error), naming the count and the top reasons.
    The share's default lives in dbt_project.yml; `default_share` is ignored, kept so existing configs parse. -#}
{% test rejected_share_below(model, share_var, default_share=none, top_reasons=3) %}
{%- set threshold = customer_segmentation.share_var(share_var) -%}
{%- set severity = (config.get('severity') or 'error') | lower -%}

{%- set failing_sql -%}
with

rejected as (

    select * from {{ model }}

),

raw_counts as (

    {% for source_table in customer_segmentation.raw_source_tables() -%}
    select '{{ source_table }}' as source_table, count(*) as raw_rows from {{ source('raw', source_table) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

rejected_counts as (

    select
        source_table,
        count(*) as rejected_rows
    from rejected
    group by source_table

),

per_source as (

    select
        raw_counts.source_table,
        raw_counts.raw_rows,
        coalesce(rejected_counts.rejected_rows, 0) as rejected_rows
    from raw_counts
    left join rejected_counts
        on raw_counts.source_table = rejected_counts.source_table

)

select
    source_table,
    raw_rows,
    rejected_rows,
    {{ threshold }} as threshold_share,
    {{ dbt.concat([
        "source_table",
        "': '",
        dbt.cast('rejected_rows', dbt.type_string()),
        "' of '",
        dbt.cast('raw_rows', dbt.type_string()),
        "' raw rows rejected, above " ~ share_var ~ " = " ~ threshold ~ "'"
    ]) }} as failure_message
from per_source
where rejected_rows > {{ threshold }} * raw_rows
{%- endset -%}

{%- set messages = [] -%}
{%- if execute and adapter.get_relation(model.database, model.schema, model.identifier) is not none -%}
    {%- set failing = run_query(failing_sql) -%}
    {%- for row in failing.rows -%}
        {%- set reasons = run_query(
            "select reason, count(*) as row_count from " ~ model ~ " where source_table = '" ~ row[0] ~ "'"
            ~ " group by reason order by row_count desc, reason"
        ) -%}
        {%- set named = [] -%}
        {%- for reason in reasons.rows[:top_reasons] -%}
            {%- do named.append(reason[1] ~ " x " ~ reason[0]) -%}
        {%- endfor -%}
        {%- do messages.append(
            row[0] ~ ": " ~ row[2] ~ " of " ~ row[1] ~ " raw rows rejected, above " ~ share_var ~ " = "
            ~ threshold ~ "; top reasons: " ~ named | join(", ")
        ) -%}
    {%- endfor -%}
{%- endif -%}
{%- if messages -%}
    {%- if severity == 'error' -%}
        {{ exceptions.raise_compiler_error("Too many rejected raw rows. " ~ messages | join(" | ")) }}
    {%- else -%}
        {{ exceptions.warn("Rejected raw rows above the warning share. " ~ messages | join(" | ")) }}
    {%- endif -%}
{%- endif %}

{{ failing_sql }}

{% endtest %}
