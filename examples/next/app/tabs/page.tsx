import { Chat } from '../chat';

/** `/tabs`: the same chat, its socket shared by every tab (the provider of `tabs/layout.tsx`). */
export default function TabsPage() {
  return <Chat />;
}
