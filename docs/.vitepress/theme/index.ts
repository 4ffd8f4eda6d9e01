// The default theme, plus the styles of the diagrams drawn at build time.
import DefaultTheme from "vitepress/theme";
import "./diagrams.css";

export default DefaultTheme;
