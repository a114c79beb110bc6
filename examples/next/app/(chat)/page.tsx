import { Chat } from '../chat';

/** `/`: the chat on a socket of its own per tab (the provider of `(chat)/layout.tsx`). */
export default function ChatPage() {
  return <Chat />;
}
