-- Nothing is silently dropped: for every source, raw rows = staged rows + rejected rows.
{%- set sources = [
    ('customers', 'stg_customers'),
    ('accounts', 'stg_accounts'),
    ('products', 'stg_products'),
    ('orders', 'stg_orders'),
] + ([('events', 'stg_events')] if customer_segmentation.events_enabled() else []) %}

with

rejected as (

    select * from {{ ref('rejected_rows') }}

),

counts as (

    {% for source_table, staged_model in sources -%}
    select
        '{{ source_table }}' as source_table,
        {%- if source_table == 'events' and not customer_segmentation.events_source_found() %}
        -- No events table (the build passes with default vars and an empty base_events).
        0 as raw_rows,
        {%- else %}
        (select count(*) from {{ source('raw', source_table) }}) as raw_rows,
        {%- endif %}
        (select count(*) from {{ ref(staged_model) }}) as staged_rows,
        (
            select count(*) from rejected
            where source_table = '{{ source_table }}'
        ) as rejected_rows
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from counts
where raw_rows <> staged_rows + rejected_rows
