{%- set grain = customer_segmentation.rfm_grain() -%}
{%- set window_months = customer_segmentation.rfm_window_months() -%}
{%- set as_of_table = ref('int_as_of_date') -%}
{#- Quarters are spined as months and filtered to each quarter's first month: dbt.date_spine steps by an
    interval of the grain, and PostgreSQL's interval has no 'quarter' unit. -#}
{%- set spine_grain = 'month' if grain == 'quarter' else grain -%}
{%- set first_period -%}
(select {{ customer_segmentation.period_start('first_completed_order_date', grain) }} from {{ as_of_table }})
{%- endset -%}
{%- set after_last_period -%}
(select {{ customer_segmentation.add_periods(grain, 1, customer_segmentation.period_start('as_of_date', grain)) }} from {{ as_of_table }})
{%- endset -%}

with

spine as (

    {{ dbt.date_spine(spine_grain, first_period, after_last_period) }}

),

as_of as (

    select * from {{ as_of_table }}

),

periods as (

    select
        cast(spine.date_{{ spine_grain }} as date) as period_start_date,
        {{ customer_segmentation.period_end('spine.date_' ~ spine_grain, grain) }} as snapshot_date,
        as_of.as_of_date as data_as_of_date
    from spine
    cross join as_of
    where cast(spine.date_{{ spine_grain }} as date) <= as_of.as_of_date
    {%- if grain == 'quarter' %}
        and cast(spine.date_{{ spine_grain }} as date) = {{ customer_segmentation.period_start('spine.date_' ~ spine_grain, 'quarter') }}
    {%- endif %}

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
