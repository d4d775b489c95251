import { TasksApp } from '@/components/TasksApp';

export default function Home() {
  return <TasksApp />;
}
