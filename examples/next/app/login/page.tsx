/** Where `useAuthRedirect` sends the user after a fatal 4003. */
export default function LoginPage() {
  return (
    <main>
      <h1>Please log in</h1>
      <p>Your session expired.</p>
    </main>
  );
}
