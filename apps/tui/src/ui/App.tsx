// The running TUI: the store, the link to the daemon, the clock, and keys. The screen is
// drawn from the state alone.

import { useApp, useInput, useWindowSize } from "ink";
import { useEffect, useMemo, useSyncExternalStore } from "react";
import type { Key } from "ink";
import { isEffect, keyPresses } from "../keys/key-press.js";
import type { Command } from "../keys/key-press.js";
import { routeKey } from "../keys/route.js";
import type { DaemonLink } from "../link/daemon-link.js";
import { choiceKey, choiceOf, currentPrompt } from "../state/prompts.js";
import type { Store } from "../state/store.js";
import type { TuiState } from "../state/types.js";
import { runEffect } from "./effects.js";
import type { Guidance } from "./NoPrompts.js";
import { Screen } from "./Screen.js";

export interface AppProps {
  store: Store;
  link: DaemonLink;
  guidance: Guidance;
  startHint: string;
  ascii: boolean;
  keyGuardMs: number;
  onQuit: () => void;
}

function useCommands(props: AppProps): (commands: Command[]) => void {
  const { exit } = useApp();
  return useMemo(() => {
    const ctx = {
      store: props.store,
      link: props.link,
      quit: () => {
        props.onQuit();
        exit();
      },
    };
    return (commands: Command[]) => {
      for (const c of commands) {
        if (isEffect(c)) void runEffect(c, ctx);
        else props.store.dispatch(c);
      }
    };
  }, [props, exit]);
}

/** Reads what the focused view needs from the daemon when it comes into view, and the preview of the selected answer. */
function useViewData(s: TuiState, run: (c: Command[]) => void, store: Store, link: DaemonLink): void {
  const up = s.link.kind === "up";
  useEffect(() => {
    if (up && s.view === "rules") run([{ effect: "load-rules" }]);
    if (up && s.view === "history") run([{ effect: "load-history" }]);
  }, [up, s.view, run]);
  const prompt = currentPrompt(s.prompts);
  const choice = prompt === undefined ? undefined : choiceOf(s.prompts, prompt.id);
  const key = choice === undefined ? "" : choiceKey(choice);
  useEffect(() => {
    if (prompt === undefined || choice === undefined || !up) return;
    let client;
    try {
      client = link.client();
    } catch {
      return;
    }
    client.previewAnswer(prompt.id, choice).then(
      (rules) => store.dispatch({ type: "preview", preview: { promptId: prompt.id, key, rules } }),
      (err: unknown) => store.dispatch({ type: "preview", preview: { promptId: prompt.id, key, error: err instanceof Error ? err.message : String(err) } }),
    );
    // Only the prompt's id and the choice's key matter: the rest is derived from them.
  }, [prompt?.id, key, up]);
}

export function App(props: AppProps) {
  const { store, link } = props;
  const s = useSyncExternalStore(store.subscribe, store.getState);
  const { columns, rows } = useWindowSize();
  const run = useCommands(props);

  useEffect(() => {
    void link.run();
    const tick = setInterval(() => store.dispatch({ type: "tick", now: Date.now() }), 1000);
    return () => {
      clearInterval(tick);
      link.stop();
    };
  }, [link, store]);
  useViewData(s, run, store, link);

  // One reader for the whole screen: each key is routed to the pane focused when it is read
  // (route.ts), since keys that arrive together must not all go to the pane focused before them.
  const route = { keyGuardMs: props.keyGuardMs, page: Math.max(1, rows - 8) };
  useInput((input: string, key: Key) => {
    for (const k of keyPresses(input, key)) run(routeKey(store.fresh(), k, route));
  });

  return <Screen state={s} columns={columns} rows={rows} guidance={props.guidance} startHint={props.startHint} ascii={props.ascii} />;
}
