'use strict';
// The dashboard's calls chart: Chart.js (vendored), data from json_script, colors from the admin's CSS
// variables, redrawn when the admin's theme toggle or the system's color scheme changes.
(function () {
  const charts = [];
  const numbers = new Intl.NumberFormat(document.documentElement.lang || 'en-US');
  const longDay = new Intl.DateTimeFormat('en-US', {weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC'});
  const shortDay = new Intl.DateTimeFormat('en-US', {month: 'short', day: 'numeric', timeZone: 'UTC'});

  function cssVar(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function palette() {
    return {
      fg: cssVar('--body-fg', '#333'),
      quiet: cssVar('--body-quiet-color', '#666'),
      grid: cssVar('--hairline-color', '#e8e8e8'),
      bg: cssVar('--body-bg', '#fff'),
      answered: cssVar('--dash-answered', '#2f855a'),
      missed: cssVar('--dash-missed', '#dd6b20'),
      other: cssVar('--dash-other', '#a0aec0'),
    };
  }

  function day(iso) {
    return new Date(iso + 'T00:00:00Z');  // a calendar day: read and shown in UTC, so it never shifts
  }

  function options(colors) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: window.matchMedia('(prefers-reduced-motion: reduce)').matches ? false : {duration: 300},
      interaction: {mode: 'index', intersect: false},
      scales: {
        x: {stacked: true, grid: {display: false}, ticks: {color: colors.quiet, maxRotation: 0, autoSkipPadding: 12}},
        y: {
          stacked: true, beginAtZero: true, grid: {color: colors.grid}, border: {display: false},
          ticks: {color: colors.quiet, precision: 0, callback: (value) => numbers.format(value)},
        },
      },
      plugins: {
        legend: {position: 'top', align: 'end', labels: {color: colors.fg, boxWidth: 12, boxHeight: 12}},
        tooltip: {
          callbacks: {
            title: (items) => items.length ? longDay.format(day(items[0].chart.data.isoDays[items[0].dataIndex])) : '',
            label: (item) => ` ${item.dataset.label}: ${numbers.format(item.parsed.y)}`,
            footer: (items) => {
              const total = items.reduce((sum, item) => sum + item.parsed.y, 0);
              const answered = items.find((item) => item.datasetIndex === 0);
              const rate = total && answered ? ` · ${(100 * answered.parsed.y / total).toFixed(1)} % answered` : '';
              return `Total: ${numbers.format(total)} calls${rate}`;
            },
          },
        },
      },
    };
  }

  function datasets(data, colors) {
    return [
      {label: 'Answered', data: data.answered, backgroundColor: colors.answered, stack: 'calls'},
      {label: 'Missed', data: data.missed, backgroundColor: colors.missed, stack: 'calls'},
      {label: 'Other (failed, in progress)', data: data.other, backgroundColor: colors.other, stack: 'calls'},
    ].map((set) => ({...set, borderRadius: 2, maxBarThickness: 36}));
  }

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.callsChart);
    if (!source || typeof Chart === 'undefined') return;
    const data = JSON.parse(source.textContent);
    const colors = palette();
    const chart = new Chart(canvas, {
      type: 'bar',
      data: {labels: data.days.map((iso) => shortDay.format(day(iso))), isoDays: data.days, datasets: datasets(data, colors)},
      options: options(colors),
    });
    charts.push(chart);
  }

  function recolor() {
    const colors = palette();
    for (const chart of charts) {
      const [answered, missed, other] = chart.data.datasets;
      answered.backgroundColor = colors.answered;
      missed.backgroundColor = colors.missed;
      other.backgroundColor = colors.other;
      chart.options.scales.x.ticks.color = colors.quiet;
      chart.options.scales.y.ticks.color = colors.quiet;
      chart.options.scales.y.grid.color = colors.grid;
      chart.options.plugins.legend.labels.color = colors.fg;
      chart.update();
    }
  }

  document.querySelectorAll('canvas[data-calls-chart]').forEach(draw);
  new MutationObserver(recolor).observe(document.documentElement, {attributes: true, attributeFilter: ['data-theme']});
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', recolor);
})();
