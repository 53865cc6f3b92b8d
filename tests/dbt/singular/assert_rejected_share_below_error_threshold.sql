-- Fails the build for each source whose share of rejected raw rows is above var rejected_rows_error_share;
-- the row names the count and the most common reason.
{{ config(severity='error') }}
{%- set threshold = customer_segmentation.share_var('rejected_rows_error_share', 0.10) %}

with

rejected as (

    select * from {{ ref('rejected_rows') }}

),

raw_counts as (

    {% for source_table in customer_segmentation.raw_source_tables() -%}
    select '{{ source_table }}' as source_table, count(*) as raw_rows from {{ source('raw', source_table) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

reason_counts as (

    select
        source_table,
        reason,
        count(*) as rejected_rows,
        row_number() over (partition by source_table order by count(*) desc, reason) as reason_rank
    from rejected
    group by
        source_table,
        reason

),

per_source as (

    select
        raw_counts.source_table,
        raw_counts.raw_rows,
        coalesce(sum(reason_counts.rejected_rows), 0) as rejected_rows,
        max(case when reason_counts.reason_rank = 1 then reason_counts.reason end) as top_reason
    from raw_counts
    left join reason_counts
        on raw_counts.source_table = reason_counts.source_table
    group by
        raw_counts.source_table,
        raw_counts.raw_rows

)

select
    source_table,
    raw_rows,
    rejected_rows,
    top_reason,
    {{ threshold }} as threshold_share
from per_source
where rejected_rows > {{ threshold }} * raw_rows
