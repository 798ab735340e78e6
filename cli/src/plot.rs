//! `--plot OUT.png`: the top classes' probabilities over the clip's time, one labelled line
//! per class, like the plots in the official MoViNet streaming notebook, over shaded spans of
//! the action events (each in its class's colour, labelled at the top).

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use crate::timeline::EventReport;

/// One fed frame: its time in seconds and the probabilities of every class.
pub struct Trace {
    pub times: Vec<f64>,
    pub probabilities: Vec<Vec<f32>>,
}

/// Plotters' pure-Rust text renderer needs a font registered; DejaVu Sans is embedded.
fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Draws the `classes` (index, label) lines over the `events`' spans to a 1200x700 PNG.
pub fn draw(
    out: &Path,
    title: &str,
    trace: &Trace,
    classes: &[(usize, String)],
    events: &[EventReport],
) -> Result<(), String> {
    fonts();
    let err = |e: &dyn std::fmt::Display| format!("{}: cannot draw plot: {e}", out.display());
    let root = BitMapBackend::new(out, (1200, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let t_end = trace
        .times
        .last()
        .copied()
        .unwrap_or(0.0)
        .max(events.last().map_or(0.0, |e| e.end_s))
        .max(0.2);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24).into_font().style(FontStyle::Bold))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..t_end, 0.0..1.0)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("probability")
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .draw()
        .map_err(|e| err(&e))?;
    let colour = |index: usize| {
        classes
            .iter()
            .position(|(i, _)| *i == index)
            .map_or(BLACK.to_rgba(), |n| Palette99::pick(n).to_rgba())
    };
    for e in events {
        let c = colour(e.index);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(e.start_s, 0.0), (e.end_s, 1.0)],
                c.mix(0.15).filled(),
            )))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(Text::new(
                e.label.clone(),
                (e.start_s, 0.985),
                ("sans-serif", 15).into_font().color(&BLACK),
            )))
            .map_err(|e| err(&e))?;
    }
    for (n, (index, label)) in classes.iter().enumerate() {
        let color = Palette99::pick(n).to_rgba();
        let points = trace
            .times
            .iter()
            .zip(&trace.probabilities)
            .map(|(&t, p)| (t, f64::from(p.get(*index).copied().unwrap_or(0.0))));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(3)))
            .map_err(|e| err(&e))?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
