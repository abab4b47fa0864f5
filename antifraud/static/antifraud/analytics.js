// The analytics page's charts (no inline script: the console runs under a strict Content-Security-Policy).
(function () {
  const data = JSON.parse(document.getElementById("analytics-data").textContent);
  Chart.defaults.animation = false;  // draw at once: analysts read numbers, not transitions
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.scales.linear.ticks.precision = 0;  // counts are whole numbers
  const statuses = ["approved", "review", "declined", "failed", "pending", "refunded"];
  const colors = {approved: "#2e7d32", review: "#f9a825", declined: "#c62828", failed: "#6d4c41", pending: "#1565c0", refunded: "#6a1b9a"};
  new Chart(document.getElementById("chart-series"), {type: "bar", data: {
    labels: data.series.map(p => p.bucket_start.slice(0, 16).replace("T", " ")),
    datasets: statuses.map(s => ({label: s, data: data.series.map(p => p[s] || 0), backgroundColor: colors[s]}))},
    options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}}});
  new Chart(document.getElementById("chart-status"), {type: "doughnut", data: {
    labels: Object.keys(data.by_status), datasets: [{data: Object.values(data.by_status),
    backgroundColor: Object.keys(data.by_status).map(s => colors[s])}]}});
  new Chart(document.getElementById("chart-volume"), {type: "bar", data: {
    labels: data.volume.map(v => v.currency), datasets: [{label: "approved", data: data.volume.map(v => Number(v.amount))}]},
    options: {scales: {y: {ticks: {precision: 2}}}}});
  new Chart(document.getElementById("chart-rules"), {type: "bar", data: {
    labels: data.top_rules.map(r => r.rule), datasets: [{label: "fired", data: data.top_rules.map(r => r.fired)}]},
    options: {indexAxis: "y"}});
  new Chart(document.getElementById("chart-queue"), {type: "bar", data: {
    labels: data.queue_age.map(a => a.label), datasets: [{label: "payments waiting", data: data.queue_age.map(a => a.count)}]}});
  window.analyticsRendered = true;
})();
