{#- For every date the window engine reads (a day with activity, or a sign-up day): the first snapshot whose
    as-of date reaches it (it enters every window there) and, per window, the first snapshot whose window
    starts on or after it (it has left that window). Both bounds move forward with the period, so a date sits
    in one contiguous run of snapshots; one that enters and leaves at the same snapshot never counts. A date
    after every as-of date enters no snapshot. Windows end at the snapshot's as_of_date with an exclusive
    lower bound: RFM (`rfm_window_months`, 0 = all history, never leaving), behaviour
    (`behaviour_window_days`), value (`value_window_months`), and the recent and prior revenue-trend periods
    (`health_trend_days` each). A dates x periods table: no later model joins days or orders to periods. -#}
{%- set behaviour = customer_segmentation.behaviour_config() -%}
{%- set value = customer_segmentation.value_config() -%}
{%- set health = customer_segmentation.health_config() -%}

with

window_dates as (

    select * from {{ ref('int_window_dates') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

period_windows as (

    select
        snapshot_date,
        as_of_date,
        window_start_date as rfm_window_start_date,
        cast({{ dbt.dateadd('day', -1 * behaviour.window_days, 'as_of_date') }} as date)
            as behaviour_window_start_date,
        {{ customer_segmentation.months_before('as_of_date', value.window_months) }} as value_window_start_date,
        cast({{ dbt.dateadd('day', -1 * health.trend_days, 'as_of_date') }} as date) as recent_window_start_date,
        cast({{ dbt.dateadd('day', -2 * health.trend_days, 'as_of_date') }} as date) as prior_window_start_date
    from periods

),

final as (

    select
        window_dates.window_date,
        min(case when period_windows.as_of_date >= window_dates.window_date then period_windows.snapshot_date end)
            as entering_snapshot_date,
        -- The loop closes on the last column's line: sqlfluff (LT02) misreads a closing tag on its own line there.
        {%- for window in customer_segmentation.window_engine_windows() %}
        min(
            case
                when period_windows.{{ window }}_window_start_date >= window_dates.window_date
                    then period_windows.snapshot_date
            end
        ) as leaving_{{ window }}_snapshot_date{% if not loop.last %},{% endif %}{% endfor %}
    from window_dates
    cross join period_windows
    group by window_dates.window_date

)

select * from final
