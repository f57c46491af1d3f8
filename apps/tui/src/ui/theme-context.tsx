// The theme reaches every component through context, so NO_COLOR is decided once.

import { createContext, useContext } from "react";
import { makeTheme } from "./theme.js";
import type { Theme } from "./theme.js";

export const ThemeContext = createContext<Theme>(makeTheme({}));

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
