{#- Per customer and snapshot, how every trailing-window total changes: activity dated in the period enters,
    activity whose window has passed leaves. Rolling these changes forward per customer
    (int_customer_snapshot_windows) gives each snapshot's totals at a cost linear in active customer-days plus
    customers x periods: days are mapped to snapshots through a dates x periods table, never joined to every
    later period. Windows end at the snapshot's as_of_date, with an exclusive lower bound:
      RFM        `rfm_window_months` (12; 0 = all history): completed orders, net revenue
      behaviour  `behaviour_window_days` (30): events, core actions, active calendar weeks
      value      `value_window_months` (12): net, gross and refunded revenue
      recent     the last `health_trend_days` (90) and prior, the same number of days before those
    and, never leaving: purchase days (days with a completed order) and their net revenue, the latest
    completed order, active and event day, the first purchase day, and the customer's start.
    Each row carries `change_hash`, a 64-bit hash of its values: summed per snapshot it is the fingerprint an
    incremental run compares with the one stored, to find the earliest snapshot whose inputs changed. -#}
{%- set behaviour = customer_segmentation.behaviour_config() -%}
{%- set value = customer_segmentation.value_config() -%}
{%- set health = customer_segmentation.health_config() -%}
{%- set money = customer_segmentation.money_type() -%}
{#- Each window total's change column, and the latest-value columns a change row sets (their type). -#}
{%- set total_types = {
    'rfm_frequency': 'integer',
    'rfm_monetary': money,
    'purchase_days': 'integer',
    'purchase_days_revenue': money,
    'events': 'integer',
    'core_actions': 'integer',
    'active_weeks': 'integer',
    'revenue': money,
    'gross_revenue': money,
    'refunded_revenue': money,
    'recent_revenue': money,
    'prior_revenue': money,
} -%}
{%- set totals = total_types.keys() | list -%}
{%- set latest = {
    'last_order_date': 'date',
    'last_activity_date': 'date',
    'last_event_date': 'date',
    'first_order_date': 'date',
    'first_purchase_day_revenue': money,
    'customer_since_date': 'date',
} -%}
{%- set hashed_columns = ['customer_id', 'snapshot_date'] -%}
{%- for total in totals -%}
    {%- do hashed_columns.append(total ~ '_change') -%}
{%- endfor -%}
{%- do hashed_columns.extend(latest.keys() | list) -%}
{#- The edges of the windows: where a row enters or leaves them, and what it changes there (every other total
    changes by 0 and every other latest value is null). `only_when` skips rows that change nothing. -#}
{%- set window_edges = [
    {
        'why': 'Entering every window at once. Recency looks at every completed order, in a window or not; a refund-only day is neither a purchase nor activity.',
        'source': 'day_changes',
        'snapshot': 'entering_snapshot_date',
        'changes': {
            'rfm_frequency': 'completed_orders',
            'rfm_monetary': 'net_revenue',
            'purchase_days': 'case when completed_orders > 0 then 1 else 0 end',
            'purchase_days_revenue': 'case when completed_orders > 0 then net_revenue else 0 end',
            'events': 'events',
            'core_actions': 'core_actions',
            'revenue': 'net_revenue',
            'gross_revenue': 'gross_revenue',
            'refunded_revenue': 'refunded_revenue',
            'recent_revenue': 'net_revenue',
        },
        'latest': {
            'last_order_date': 'case when completed_orders > 0 then activity_date end',
            'last_activity_date': 'case when is_active_day then activity_date end',
            'last_event_date': 'case when events > 0 then activity_date end',
        },
    },
    {
        'why': 'Leaving the RFM window.',
        'source': 'day_changes',
        'snapshot': 'leaving_rfm_snapshot_date',
        'only_when': 'order_rows > 0',
        'changes': {'rfm_frequency': '-1 * completed_orders', 'rfm_monetary': '-1 * net_revenue'},
    },
    {
        'why': 'Leaving the behaviour window.',
        'source': 'day_changes',
        'snapshot': 'leaving_behaviour_snapshot_date',
        'only_when': 'events > 0',
        'changes': {'events': '-1 * events', 'core_actions': '-1 * core_actions'},
    },
    {
        'why': 'Leaving the value window.',
        'source': 'day_changes',
        'snapshot': 'leaving_value_snapshot_date',
        'only_when': 'order_rows > 0',
        'changes': {
            'revenue': '-1 * net_revenue',
            'gross_revenue': '-1 * gross_revenue',
            'refunded_revenue': '-1 * refunded_revenue',
        },
    },
    {
        'why': 'Leaving the recent trend window is entering the prior one.',
        'source': 'day_changes',
        'snapshot': 'leaving_recent_snapshot_date',
        'only_when': 'order_rows > 0',
        'changes': {'recent_revenue': '-1 * net_revenue', 'prior_revenue': 'net_revenue'},
    },
    {
        'why': 'Leaving the prior trend window.',
        'source': 'day_changes',
        'snapshot': 'leaving_prior_snapshot_date',
        'only_when': 'order_rows > 0',
        'changes': {'prior_revenue': '-1 * net_revenue'},
    },
    {
        'why': 'Active weeks entering the behaviour window.',
        'source': 'week_changes',
        'snapshot': 'entering_snapshot_date',
        'changes': {'active_weeks': '1'},
    },
    {
        'why': 'Active weeks leaving it.',
        'source': 'week_changes',
        'snapshot': 'leaving_behaviour_snapshot_date',
        'changes': {'active_weeks': '-1'},
    },
    {
        'why': 'The first purchase day, at the snapshot it enters.',
        'source': 'first_purchase_day_changes',
        'snapshot': 'entering_snapshot_date',
        'changes': {},
        'latest': {
            'first_order_date': 'first_order_date',
            'first_purchase_day_revenue': 'first_purchase_day_revenue',
        },
    },
    {
        'why': "The start marker: a customer's rows begin at the first snapshot whose as-of date reaches their start.",
        'source': 'customer_start_changes',
        'snapshot': 'entering_snapshot_date',
        'changes': {},
        'latest': {'customer_since_date': 'customer_since_date'},
    },
] -%}

with

customers as (

    select * from {{ ref('stg_customers') }}

),

daily_activity as (

    select * from {{ ref('int_customer_daily_activity') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

period_windows as (

    select
        snapshot_date,
        as_of_date,
        window_start_date as rfm_window_start_date,
        cast({{ dbt.dateadd('day', -1 * behaviour.window_days, 'as_of_date') }} as date) as behaviour_window_start_date,
        {{ customer_segmentation.months_before('as_of_date', value.window_months) }} as value_window_start_date,
        cast({{ dbt.dateadd('day', -1 * health.trend_days, 'as_of_date') }} as date) as recent_window_start_date,
        cast({{ dbt.dateadd('day', -2 * health.trend_days, 'as_of_date') }} as date) as prior_window_start_date
    from periods

),

customer_start_candidates as (

    select
        customer_id,
        {{ customer_segmentation.to_date('created_at') }} as start_date
    from customers
    where created_at is not null

    union all

    select
        customer_id,
        min(activity_date) as start_date
    from daily_activity
    group by customer_id

),

customer_starts as (

    -- A customer starts at sign-up, or at their first day with events or orders when that is earlier or
    -- sign-up is unknown.
    select
        customer_id,
        min(start_date) as customer_since_date
    from customer_start_candidates
    group by customer_id

),

first_purchase_days as (

    -- The first purchase day never changes once a customer has one, so it enters once with its revenue.
    select
        daily_activity.customer_id,
        daily_activity.activity_date as first_order_date,
        daily_activity.net_revenue as first_purchase_day_revenue
    from daily_activity
    inner join (
        select
            customer_id,
            min(activity_date) as first_order_date
        from daily_activity
        where completed_orders > 0
        group by customer_id
    ) as firsts
        on daily_activity.customer_id = firsts.customer_id
        and daily_activity.activity_date = firsts.first_order_date

),

window_dates as (

    select activity_date as window_date from daily_activity
    union
    select customer_since_date as window_date from customer_starts

),

date_windows as (

    -- For each date: the first snapshot whose as-of date reaches it (it enters) and, per window, the first
    -- snapshot whose window starts on or after it (it has left). Both bounds move forward with the period,
    -- so a date sits in one contiguous run of snapshots; one that enters and leaves at the same snapshot
    -- never counts, and its changes cancel. A date after every as-of date enters no snapshot.
    select
        window_dates.window_date,
        min(case when period_windows.as_of_date >= window_dates.window_date then period_windows.snapshot_date end)
            as entering_snapshot_date,
        min(case when period_windows.rfm_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_rfm_snapshot_date,
        min(case when period_windows.behaviour_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_behaviour_snapshot_date,
        min(case when period_windows.value_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_value_snapshot_date,
        min(case when period_windows.recent_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_recent_snapshot_date,
        min(case when period_windows.prior_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_prior_snapshot_date
    from window_dates
    cross join period_windows
    group by window_dates.window_date

),

day_changes as (

    select
        daily_activity.*,
        date_windows.entering_snapshot_date,
        date_windows.leaving_rfm_snapshot_date,
        date_windows.leaving_behaviour_snapshot_date,
        date_windows.leaving_value_snapshot_date,
        date_windows.leaving_recent_snapshot_date,
        date_windows.leaving_prior_snapshot_date
    from daily_activity
    inner join date_windows
        on daily_activity.activity_date = date_windows.window_date

),

active_weeks as (

    -- A calendar week (Monday start) counts as active in the behaviour window when any of its event days is
    -- inside. Its event days lie within six days of each other and the window is at least seven long, so the
    -- week is inside from the snapshot its first event day enters until the one its last event day leaves.
    select
        customer_id,
        {{ customer_segmentation.period_start('activity_date', 'week') }} as week_start_date,
        min(activity_date) as first_event_date,
        max(activity_date) as last_event_date
    from daily_activity
    where events > 0
    group by
        customer_id,
        {{ customer_segmentation.period_start('activity_date', 'week') }}

),

week_changes as (

    select
        active_weeks.customer_id,
        entering.entering_snapshot_date,
        leaving.leaving_behaviour_snapshot_date
    from active_weeks
    inner join date_windows as entering
        on active_weeks.first_event_date = entering.window_date
    inner join date_windows as leaving
        on active_weeks.last_event_date = leaving.window_date

),

first_purchase_day_changes as (

    select
        first_purchase_days.*,
        date_windows.entering_snapshot_date
    from first_purchase_days
    inner join date_windows
        on first_purchase_days.first_order_date = date_windows.window_date

),

customer_start_changes as (

    select
        customer_starts.*,
        date_windows.entering_snapshot_date
    from customer_starts
    inner join date_windows
        on customer_starts.customer_since_date = date_windows.window_date

),

window_changes as (
    {%- for edge in window_edges %}

    -- {{ edge.why }}
    select
        customer_id,
        {{ edge.snapshot }} as snapshot_date,
        {%- for total in totals %}
        {{ edge.changes.get(total, 0) }} as {{ total }}_change,
        {%- endfor %}
        {%- for column, type in latest.items() %}
        {{ edge.get('latest', {}).get(column, 'cast(null as ' ~ type ~ ')') }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ edge.source }}
    where {{ edge.snapshot }} is not null
    {%- if edge.only_when %}
        and {{ edge.only_when }}
    {%- endif %}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

snapshot_changes as (

    select
        customer_id,
        snapshot_date,
        {%- for total in totals %}
        cast(sum({{ total }}_change) as {{ total_types[total] }}) as {{ total }}_change,
        {%- endfor %}
        {%- for column, type in latest.items() %}
        cast(max({{ column }}) as {{ type }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from window_changes
    group by
        customer_id,
        snapshot_date

),

final as (

    select
        *,
        {{ customer_segmentation.row_hash(hashed_columns) }} as change_hash
    from snapshot_changes

)

select * from final
