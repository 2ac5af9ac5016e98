import { ArcElement, BarElement, CategoryScale, Chart, Legend, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js';

/**
 * Chart.js parts the dashboard uses (tree-shaken: only these are bundled). No animation: the
 * data is the server's buckets, redrawn on every range change, and screenshots see the final frame.
 */
export default defineNuxtPlugin(() => {
  Chart.register(ArcElement, BarElement, CategoryScale, Legend, LinearScale, LineElement, PointElement, Tooltip);
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'ui-sans-serif, system-ui, sans-serif';
  Chart.defaults.maintainAspectRatio = false;
});
