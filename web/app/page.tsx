import { Suspense } from 'react';
import { LoadingScreen, TasksApp } from '@/components/TasksApp';

export default function Home() {
  // The view is read from the URL's query string, which a prerendered page only knows in the browser.
  return (
    <Suspense fallback={<LoadingScreen />}>
      <TasksApp />
    </Suspense>
  );
}
