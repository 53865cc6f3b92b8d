{%- set grain = customer_segmentation.rfm_grain() -%}
{%- set window_months = customer_segmentation.rfm_window_months() -%}
{%- set as_of_table = ref('int_as_of_date') -%}
{%- set first_period -%}
    (select {{ customer_segmentation.period_start('first_completed_order_date', grain) }} from {{ as_of_table }})
{%- endset -%}
{%- set after_last_period -%}
    (select {{ dbt.dateadd(grain, 1, customer_segmentation.period_start('as_of_date', grain)) }} from {{ as_of_table }})
{%- endset -%}

with

spine as (

    {{ dbt.date_spine(grain, first_period, after_last_period) }}

),

as_of as (

    select * from {{ as_of_table }}

),

periods as (

    select
        cast(spine.date_{{ grain }} as date) as period_start_date,
        {{ customer_segmentation.period_end('spine.date_' ~ grain, grain) }} as snapshot_date,
        as_of.as_of_date as data_as_of_date
    from spine
    cross join as_of
    where cast(spine.date_{{ grain }} as date) <= as_of.as_of_date

),

final as (

    select
        period_start_date,
        snapshot_date,
        -- Only the newest, unfinished period is cut at the data's as-of date.
        case when snapshot_date > data_as_of_date then data_as_of_date else snapshot_date end as as_of_date,
        {% if window_months > 0 -%}
        {{ customer_segmentation.months_before(
            "case when snapshot_date > data_as_of_date then data_as_of_date else snapshot_date end", window_months
        ) }} as window_start_date
        {%- else -%}
        cast(null as date) as window_start_date
        {%- endif %}
    from periods

)

select * from final
